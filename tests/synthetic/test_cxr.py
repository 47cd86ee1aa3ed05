"""render_cxr: valid output, determinism, and findings/anatomy that are measurably visible."""

import numpy as np
import pytest

from synthetic import CXR14_FINDINGS, SyntheticDataError, render_cxr

SIZE = 96
N = 24


def _batch(findings=(), seed=0, n=N, **kw):
    rng = np.random.default_rng(seed)
    return np.stack([render_cxr(rng, findings, size=SIZE, **kw) for _ in range(n)])


@pytest.fixture(scope="module")
def normals():
    return _batch((), seed=1)


def test_output_is_float32_unit_range_square():
    img = render_cxr(np.random.default_rng(0), ["Effusion", "Mass"], size=80)
    assert img.dtype == np.float32 and img.shape == (80, 80)
    assert img.min() >= 0.0 and img.max() <= 1.0
    assert img.std() > 0.05  # not a flat image


def test_same_generator_state_same_pixels_different_seed_different():
    a = render_cxr(np.random.default_rng(7), ["Nodule"], size=64)
    b = render_cxr(np.random.default_rng(7), ["Nodule"], size=64)
    c = render_cxr(np.random.default_rng(8), ["Nodule"], size=64)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs",
    [{"findings": ["Pneumonitis"]}, {"view": "OBLIQUE"}, {"body_part": "SKULL"}, {"size": 8}, {"size": 64.0}],
)
def test_bad_input_raises_actionable_error(kwargs):
    args = {"findings": [], **kwargs}
    findings = args.pop("findings")
    with pytest.raises(SyntheticDataError):
        render_cxr(np.random.default_rng(0), findings, **args)


def test_with_and_without_a_finding_is_a_counterfactual_pair():
    """Equal generator states share anatomy and exposure; a finding only changes its own region."""
    for finding in CXR14_FINDINGS:
        plain = render_cxr(np.random.default_rng(3), [], size=SIZE)
        with_finding = render_cxr(np.random.default_rng(3), [finding], size=SIZE)
        changed = np.abs(plain - with_finding) > 0.03
        assert changed.mean() > 0.001, finding
    effusion = render_cxr(np.random.default_rng(4), ["Effusion"], size=SIZE)
    both = render_cxr(np.random.default_rng(4), ["Effusion", "Nodule"], size=SIZE)
    assert (np.abs(both - effusion) > 0.03).mean() < 0.01  # the nodule does not redraw the effusion


def _pairs(finding, seeds=range(12), **kw):
    plain = np.stack([render_cxr(np.random.default_rng(s), [], size=SIZE, **kw) for s in seeds])
    sick = np.stack([render_cxr(np.random.default_rng(s), [finding], size=SIZE, **kw) for s in seeds])
    return plain, sick


def _heart_width(images):
    """Bright (non-lung) pixels per row at heart level, between the lung centres."""
    rows = images[:, int(SIZE * 0.6) : int(SIZE * 0.7), int(SIZE * 0.2) : int(SIZE * 0.85)]
    lung = images[:, int(SIZE * 0.35) : int(SIZE * 0.5), int(SIZE * 0.2) : int(SIZE * 0.3)].mean(axis=(1, 2))
    mid = images[:, int(SIZE * 0.35) : int(SIZE * 0.5), int(SIZE * 0.48) : int(SIZE * 0.52)].mean(axis=(1, 2))
    threshold = (lung + mid) / 2
    return (rows > threshold[:, None, None]).sum(axis=2).mean(axis=1)


def test_cardiomegaly_widens_the_heart_shadow(normals):
    big = _batch(["Cardiomegaly"], seed=2)
    assert _heart_width(big).mean() > _heart_width(normals).mean() + 0.05 * SIZE  # across patients
    plain, sick = _pairs("Cardiomegaly")
    assert (_heart_width(sick) > _heart_width(plain)).all()  # and for every patient


def _basal(images):
    lo, hi = int(SIZE * 0.55), int(SIZE * 0.72)
    left = images[:, lo:hi, int(SIZE * 0.12) : int(SIZE * 0.35)].mean(axis=(1, 2))
    right = images[:, lo:hi, int(SIZE * 0.65) : int(SIZE * 0.88)].mean(axis=(1, 2))
    return np.maximum(left, right)


def test_effusion_raises_basal_intensity(normals):
    assert _basal(_batch(["Effusion"], seed=3)).mean() > _basal(normals).mean() + 0.05
    plain, sick = _pairs("Effusion")
    assert (_basal(sick) > _basal(plain) + 0.02).all()


def _lateral_zone(images):  # the darker side's lateral lung zone
    lo, hi = int(SIZE * 0.25), int(SIZE * 0.5)
    left = images[:, lo:hi, int(SIZE * 0.2) : int(SIZE * 0.3)].mean(axis=(1, 2))
    right = images[:, lo:hi, int(SIZE * 0.7) : int(SIZE * 0.8)].mean(axis=(1, 2))
    return np.minimum(left, right)


def test_pneumothorax_darkens_the_lung_periphery(normals):
    assert _lateral_zone(_batch(["Pneumothorax"], seed=4)).mean() < _lateral_zone(normals).mean() - 0.02
    plain, sick = _pairs("Pneumothorax")
    assert (_lateral_zone(sick) < _lateral_zone(plain)).mean() > 0.9


def _lungs(images):
    return images[:, int(SIZE * 0.2) : int(SIZE * 0.7), int(SIZE * 0.1) : int(SIZE * 0.9)].mean(axis=(1, 2))


GAINS = {  # smallest mean brightening of the lung fields, per patient
    "Consolidation": 0.0015,
    "Pneumonia": 0.002,
    "Edema": 0.02,
    "Mass": 0.003,
    "Infiltration": 0.004,
    "Fibrosis": 0.008,
    "Nodule": 0.0002,
    "Atelectasis": 0.002,
    "Pleural_Thickening": 0.003,
}


@pytest.mark.parametrize("finding", sorted(GAINS))
def test_opacities_brighten_the_lungs_of_every_patient(finding):
    plain, sick = _pairs(finding)
    gain = _lungs(sick) - _lungs(plain)
    assert (gain > GAINS[finding]).all(), gain


def test_emphysema_darkens_the_lungs(normals):
    plain, sick = _pairs("Emphysema")
    assert (_lungs(sick) < _lungs(plain) - 0.01).all()


def test_hernia_adds_a_retrocardiac_opacity_with_gas():
    plain, sick = _pairs("Hernia")
    diff = sick - plain
    retrocardiac = diff[:, int(SIZE * 0.5) : int(SIZE * 0.8), int(SIZE * 0.4) : int(SIZE * 0.65)]
    assert (retrocardiac.max(axis=(1, 2)) > 0.05).all() and (retrocardiac.min(axis=(1, 2)) < -0.05).all()


def _corr(a, b):
    a = a.ravel() - a.mean()
    b = b.ravel() - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def test_lateral_and_non_chest_look_unlike_a_frontal_chest(normals):
    template = normals.mean(axis=0)
    frontal = np.mean([_corr(template, im) for im in _batch((), seed=9, n=8)])
    for kw in ({"view": "LATERAL"}, {"body_part": "HAND"}, {"body_part": "KNEE"}, {"body_part": "ABDOMEN"}):
        other = np.mean([_corr(template, im) for im in _batch((), seed=10, n=8, **kw)])
        assert other < frontal - 0.2, kw


def test_pediatric_thorax_is_smaller(normals):
    kids = _batch((), seed=11, pediatric=True)
    background = 0.08
    assert (kids > background).mean() < (normals > background).mean() - 0.05
