"""Bad-image detectors: self-supervised rotation and inversion, view / body part, the pediatric rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.detectors.detector import RotationDetector, load_detector
from ml.detectors.flags import INVERTED, NON_FRONTAL, PEDIATRIC, ROTATED, WRONG_BODY_PART, raised
from ml.detectors.pediatric import parse_age_years, pediatric_flag
from ml.detectors.training import (
    LabelledExamples,
    train_inversion_detector,
    train_rotation_detector,
    train_view_classifier,
)
from ml.nets.errors import InputError
from ml.nets.train import TrainConfig
from synthetic import render_cxr

FAST = TrainConfig(epochs=4, batch_size=16, early_stopping_patience=2, hflip=False)


@pytest.fixture(scope="module")
def rotation(chest_pool):
    return train_rotation_detector(chest_pool, config=TrainConfig(epochs=3, batch_size=16, hflip=False))


@pytest.fixture(scope="module")
def inversion(chest_pool):
    return train_inversion_detector(chest_pool, config=TrainConfig(epochs=2, batch_size=16, hflip=False))


def test_rotation_detector_is_accurate_on_held_out_images(rotation, chest_test) -> None:
    rng = np.random.default_rng(0)
    ks = rng.integers(0, 4, len(chest_test))
    turned = [np.rot90(img, k) for img, k in zip(chest_test, ks, strict=True)]
    probs = rotation.detector.predict_proba(turned, device="cpu")
    assert (probs.argmax(1) == ks).mean() >= 0.99
    assert rotation.metrics["val_accuracy"] >= 0.95 and rotation.metrics["n_val"] == 240  # 60 held out x 4
    inverted = [1.0 - t for t in turned]  # trained with inversion as augmentation: still works
    assert (rotation.detector.predict_proba(inverted, device="cpu").argmax(1) == ks).mean() >= 0.95

    flags = rotation.detector.detect(turned[:20], device="cpu")
    for (flag,), k in zip(flags, ks[:20], strict=True):
        assert flag.kind == ROTATED and flag.detail["predicted_rotation"] == 90 * k
        assert flag.flagged == (k != 0)
        assert 0.0 <= flag.probability <= 1.0
        assert (flag.detail["correction"] is None) == (k == 0)


def test_inversion_detector_is_accurate_on_held_out_images(inversion, chest_test) -> None:
    rng = np.random.default_rng(1)
    inv = rng.random(len(chest_test)) < 0.5
    images = [1.0 - img if i else img for img, i in zip(chest_test, inv, strict=True)]
    probs = inversion.detector.predict_proba(images, device="cpu")
    assert ((probs[:, 1] >= 0.5) == inv).mean() >= 0.99
    sideways = [np.rot90(img) for img in images]  # trained with rotations as augmentation
    assert ((inversion.detector.predict_proba(sideways, device="cpu")[:, 1] >= 0.5) == inv).mean() >= 0.95
    flags = inversion.detector.detect(images[:10], device="cpu")
    assert [f[0].flagged for f in flags] == list(inv[:10]) and all(f[0].kind == INVERTED for f in flags)


def test_detector_save_and_load_round_trip(rotation, chest_test, tmp_path: Path) -> None:
    path = tmp_path / "rotation.pt"
    rotation.detector.save(path)
    loaded = load_detector(path)
    assert isinstance(loaded, RotationDetector)
    assert loaded.metrics["val_accuracy"] == rotation.metrics["val_accuracy"]
    a = rotation.detector.predict_proba(chest_test[:16], device="cpu")
    assert np.array_equal(a, loaded.predict_proba(chest_test[:16], device="cpu"))


@pytest.mark.slow
def test_reviewed_flags_become_training_data(chest_test) -> None:
    """Confirmed rotated images, labelled with their rotation, are turned upright before training: a
    detector trained on nothing but such images still knows which way is up."""
    rng = np.random.default_rng(3)
    from tests.ml.nets.conftest import cxr_images

    upright = cxr_images(303, 160)[0]
    ks = rng.integers(1, 4, len(upright))
    reviewed = LabelledExamples(
        [np.rot90(img, k) for img, k in zip(upright, ks, strict=True)], [90 * k for k in ks]
    )
    trained = train_rotation_detector([], reviewed=reviewed, config=FAST)
    assert (trained.detector.predict_proba(chest_test[:60], device="cpu").argmax(1) == 0).mean() >= 0.95
    with pytest.raises(InputError, match="0, 90, 180 or 270"):
        train_rotation_detector(upright[:20], reviewed=LabelledExamples(upright[:2], [45, 0]), config=FAST)


@pytest.mark.slow
def test_view_classifier_learns_frontal_lateral_other() -> None:
    rng = np.random.default_rng(4)

    def make(n: int) -> tuple[list[np.ndarray], list[str]]:
        images, labels = [], []
        for i in range(n):
            kind = ("frontal", "lateral", "other")[i % 3]
            if kind == "frontal":
                images.append(render_cxr(rng, set(), size=64, view=("PA", "AP")[i % 2]))
            elif kind == "lateral":
                images.append(render_cxr(rng, set(), size=64, view="LATERAL"))
            else:
                images.append(render_cxr(rng, set(), size=64, body_part=("HAND", "KNEE", "ABDOMEN")[i % 3]))
            labels.append(kind)
        return images, labels

    train_x, train_y = make(150)
    extra = LabelledExamples(train_x[120:], train_y[120:])
    trained = train_view_classifier(train_x[:120], train_y[:120], reviewed=extra, config=FAST)
    assert trained.metrics["n_train"] + trained.metrics["n_val"] == 150
    test_x, test_y = make(60)
    flags = trained.detector.detect(test_x, device="cpu")
    predicted = [f[0].detail["predicted"] for f in flags]
    assert np.mean([p == t for p, t in zip(predicted, test_y, strict=True)]) >= 0.95
    lateral = flags[test_y.index("lateral")]
    assert [f.kind for f in lateral] == [NON_FRONTAL, WRONG_BODY_PART]
    assert raised([lateral]) == [[lateral[0]]]
    with pytest.raises(InputError, match="unknown view labels"):
        train_view_classifier(train_x[:10], ["frontal"] * 9 + ["oblique"], config=FAST)


@pytest.mark.parametrize(
    ("age", "years", "flagged"),
    [
        ("005Y", 5.0, True),
        ("018M", 1.5, True),
        ("010D", 10 / 365.25, True),
        ("003W", 21 / 365.25, True),
        ("045Y", 45.0, False),
        (9.99, 9.99, True),
        (10, 10.0, False),
        ("10", 10.0, False),
        (" 062y ", 62.0, False),
    ],
)
def test_pediatric_rule(age, years: float, flagged: bool) -> None:
    assert parse_age_years(age) == pytest.approx(years)
    flag = pediatric_flag(age)
    assert flag is not None and flag.kind == PEDIATRIC and flag.flagged == flagged
    assert flag.probability == (1.0 if flagged else 0.0)
    assert flag.detail["threshold_years"] == 10.0


def test_pediatric_threshold_is_configurable_and_bad_ages_are_refused() -> None:
    assert pediatric_flag("012Y", threshold_years=18).flagged
    assert not pediatric_flag("012Y").flagged
    assert (
        pediatric_flag(None) is None and pediatric_flag("") is None and pediatric_flag(float("nan")) is None
    )
    with pytest.raises(InputError, match="DICOM age string"):
        pediatric_flag("forty")
    with pytest.raises(InputError, match="outside"):
        pediatric_flag("200Y")
