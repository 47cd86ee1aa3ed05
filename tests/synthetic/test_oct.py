"""render_oct: valid B-scans whose four classes are visibly different."""

import numpy as np
import pytest

from synthetic import OCT_CLASSES, SyntheticDataError, render_oct

SIZE = 96


def _batch(label, seed, n=16):
    rng = np.random.default_rng(seed)
    return np.stack([render_oct(rng, label, size=SIZE) for _ in range(n)])


def test_output_range_and_determinism():
    a = render_oct(np.random.default_rng(1), "CNV", size=SIZE)
    b = render_oct(np.random.default_rng(1), "CNV", size=SIZE)
    assert a.dtype == np.float32 and a.shape == (SIZE, SIZE)
    assert a.min() >= 0.0 and a.max() <= 1.0
    assert np.array_equal(a, b)
    assert not np.array_equal(a, render_oct(np.random.default_rng(2), "CNV", size=SIZE))


def test_unknown_class_is_refused():
    with pytest.raises(SyntheticDataError, match="OCT label"):
        render_oct(np.random.default_rng(0), "AMD")


def test_vitreous_is_dark_and_retina_bright():
    img = _batch("NORMAL", 3).mean(axis=0)
    assert img[: int(SIZE * 0.15)].mean() < 0.12
    assert img.max(axis=0).mean() > 0.5  # a bright RPE band in every column


def _retinal_thickness(images):
    """Rows from the first bright row (ILM) to the brightest row (RPE), central columns."""
    out = []
    for im in images:
        profile = im[:, int(SIZE * 0.35) : int(SIZE * 0.65)].mean(axis=1)
        profile = np.convolve(profile, np.ones(3) / 3, mode="same")
        ilm = int(np.argmax(profile > 0.3))
        rpe = int(np.argmax(profile))
        out.append(rpe - ilm)
    return np.array(out)


def test_dme_thickens_the_retina_and_has_dark_cysts():
    normal, dme = _batch("NORMAL", 4), _batch("DME", 5)
    assert _retinal_thickness(dme).mean() > _retinal_thickness(normal).mean() + 1.5


def _aligned_profile(image, depth=40):
    """Depth profile below the ILM (mean and spread over columns): invariant to tilt and position."""
    smooth = image.copy()
    smooth[1:-1] = (image[:-2] + image[1:-1] + image[2:]) / 3
    ilm = np.argmax(smooth > 0.35, axis=0)
    rows = np.clip(ilm[None, :] + np.arange(depth)[:, None], 0, image.shape[0] - 1)
    columns = np.take_along_axis(smooth, rows, axis=0)
    return np.concatenate([columns.mean(axis=1), columns.std(axis=1)])


def test_classes_are_separable_by_a_linear_model():
    """A linear classifier on a crude, hand-made feature beats chance (0.25) by far."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    def features(label, seed, n):
        return np.stack([_aligned_profile(im) for im in _batch(label, seed, n)])

    x_train = np.concatenate([features(c, 10 + i, 30) for i, c in enumerate(OCT_CLASSES)])
    y_train = np.repeat(np.arange(len(OCT_CLASSES)), 30)
    x_test = np.concatenate([features(c, 20 + i, 15) for i, c in enumerate(OCT_CLASSES)])
    y_test = np.repeat(np.arange(len(OCT_CLASSES)), 15)
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=3000, C=0.1).fit(scaler.transform(x_train), y_train)
    accuracy = (model.predict(scaler.transform(x_test)) == y_test).mean()
    assert accuracy > 0.6
