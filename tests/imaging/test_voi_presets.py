"""Window presets in real units (issue #17.3): HU for CT, the file's windows plus presets derived from
the pixel distribution for CR/DX/MG/MR; MONOCHROME1 stays bone-white under every preset.

Real films: the two chest DICOMs of ``../shared/data/dicom-dev/`` (a 15-bit JPEG-LS CR and a 12-bit
JPEG 2000 DX, both MONOCHROME1). Synthetic CT/MR are built in real units (HU; MR signal to ~2,500 in a
16-bit container), where fractions of 2**BitsStored rendered 100 % black.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from imaging import decode_dicom
from imaging.render import to_display
from imaging.voi import WindowPreset, window_presets
from tests.imaging.factory import dicom_bytes

SHARED = Path(
    os.environ.get("ARBITER_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
)
REAL = SHARED / "dicom-dev"
REAL_FILES = ["cr_chest_mono1_jpegls.dcm", "dx_chest_mono1_j2k.dcm"]


def _real(name: str):
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"the real development DICOMs are absent ({path}); see ../shared/data/README.md")
    return decode_dicom(path, max_pixels=50_000_000)


def _by_key(presets: list[WindowPreset]) -> dict[str, WindowPreset]:
    return {p.key: p for p in presets}


def _shown(img, p: WindowPreset) -> np.ndarray:
    return to_display(img, center=p.center, width=p.width)


def _densest_and_lightest(img, share: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the densest and least dense ``share`` of pixels (density falls with value in MONO1)."""
    density = -img.pixels if img.inverted_polarity else img.pixels
    lo, hi = np.quantile(density[::4, ::4], [share, 1 - share])
    return density >= hi, density <= lo


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_mono1_chest_presets_show_the_chest_and_keep_bone_white(name):
    img = _real(name)
    presets = window_presets(img)
    keys = [p.key for p in presets]
    assert keys[0] == "default" and {"lung", "soft", "bone", "full"} <= set(keys)
    assert presets[0].source == "file" and (presets[0].center, presets[0].width) == img.default_window
    dense, light = _densest_and_lightest(img)
    for p in presets:
        shown = _shown(img, p)
        white, black = (shown == 255).mean(), (shown == 0).mean()
        # No preset washes the film out or blacks it out (the old 'lung' was 92 % white on the CR).
        assert white < 0.5 and black < 0.6, (p.key, white, black)
        # Bone-white: the densest pixels are brighter than the least dense ones under every preset.
        assert shown[dense].mean() > shown[light].mean() + 60, p.key
    by = _by_key(presets)
    lung, bone = _shown(img, by["lung"]), _shown(img, by["bone"])
    # The lung window spreads the low-density half; the bone window the dense part.
    assert np.median(lung[light | ~dense]) > 40 and lung[dense].mean() > 240
    assert bone[light].mean() < 5 and 60 < bone[dense].mean() < 250


def test_the_old_fraction_presets_were_wrong_on_the_real_cr():
    """The bug, kept as a measured contrast: 0.3/0.5 of 2**15 mirrored for MONO1 is 9 in 10 pixels white."""
    img = _real("cr_chest_mono1_jpegls.dcm")
    old_lung = to_display(img, center=0.7 * 2**15, width=0.5 * 2**15)
    new_lung = _shown(img, _by_key(window_presets(img))["lung"])
    assert (old_lung == 255).mean() > 0.9 and (new_lung == 255).mean() < 0.4


def _ct() -> np.ndarray:
    """A 'CT slice' in HU + 1024 (stored, intercept -1024): air, lung, soft tissue, a bone ring."""
    rows, cols = 96, 96
    y, x = np.mgrid[0:rows, 0:cols]
    r = np.hypot(y - 48, x - 48)
    hu = np.full((rows, cols), -1000.0)
    hu[r < 44] = 40.0  # soft tissue
    left = (r < 40) & (x < 46)
    hu[left] = (-850.0 + 150 * ((y % 7) / 6))[left]  # left lung, -850..-700
    hu[(r < 40) & (x > 50)] = -800.0
    hu[(r > 40) & (r < 44)] = 700.0  # bone ring
    return (hu + 1024).astype(np.uint16)


def test_ct_presets_are_hounsfield_units_whatever_the_bits_stored(tmp_path):
    path = tmp_path / "ct.dcm"
    path.write_bytes(dicom_bytes(_ct(), modality="CT", bits_stored=16, slope=1.0, intercept=-1024.0))
    img = decode_dicom(path, max_pixels=10**6)
    by = _by_key(window_presets(img))
    assert (by["lung"].center, by["lung"].width, by["lung"].source) == (-600.0, 1500.0, "hu")
    assert (by["mediastinum"].center, by["mediastinum"].width) == (50.0, 350.0)
    hu = img.pixels
    lung, med, bone = (_shown(img, by[k]) for k in ("lung", "mediastinum", "bone"))
    lung_px, soft_px, bone_px, air_px = (hu < -600) & (hu > -900), hu == 40, hu == 700, hu == -1000
    # Lung window: air darkest, lung parenchyma grey, soft tissue bright, bone white; far from all black.
    assert air_px.any() and lung_px.any()
    assert lung[air_px].mean() < lung[lung_px].mean() < lung[soft_px].mean() < lung[bone_px].mean()
    assert 40 < lung[lung_px].mean() < 140 and (lung == 0).mean() < 0.5
    # Mediastinum: soft tissue mid-grey, lung black, bone white.
    assert 100 < med[soft_px].mean() < 160 and med[lung_px].max() == 0 and med[bone_px].min() == 255
    assert 120 < bone[bone_px].mean() < 200
    # Fractions of 2**16 (the old presets) show this slice all black.
    old = to_display(img, center=0.3 * 2**16, width=0.5 * 2**16)
    assert (old == 0).mean() > 0.99


def test_mr_presets_come_from_its_own_signal_not_the_container(tmp_path):
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:80, 0:80]
    signal = np.where(
        np.hypot(y - 40, x - 40) < 32, 900 + 300 * np.sin(x / 5) + rng.normal(0, 60, (80, 80)), 5.0
    )
    signal[30:40, 30:40] = 2400  # fat / contrast
    path = tmp_path / "mr.dcm"
    path.write_bytes(dicom_bytes(np.clip(signal, 0, 4000).astype(np.uint16), modality="MR", bits_stored=16))
    img = decode_dicom(path, max_pixels=10**6)
    presets = window_presets(img)
    assert [p.source for p in presets[1:]] == ["derived"] * 4
    body = img.pixels > 100
    for p in presets:
        shown = _shown(img, p)
        assert shown[body].std() > 15, p.key  # the anatomy has contrast under every preset
    full = _shown(img, _by_key(presets)["full"])
    assert (full[body] == 0).mean() < 0.05 and (full[body] == 255).mean() < 0.2
    assert (to_display(img, center=0.5 * 2**16, width=2**16)[body] < 10).mean() > 0.9  # the old 'full'


def test_mono2_dense_is_high_and_presets_mirror_mono1(tmp_path):
    """The same film stored MONOCHROME2 (values mirrored) gets the same picture under every preset."""
    img1 = _real("dx_chest_mono1_j2k.dcm")
    stored = (4095 - img1.pixels[::8, ::8]).astype(np.uint16)
    path = tmp_path / "mono2.dcm"
    path.write_bytes(dicom_bytes(stored, photometric="MONOCHROME2", modality="DX", window=(2048, 4096)))
    img2 = decode_dicom(path, max_pixels=10**6)
    small1 = decode_dicom(_mono1_copy(tmp_path, img1), max_pixels=10**6)
    for p1, p2 in zip(window_presets(small1)[1:], window_presets(img2)[1:], strict=True):
        assert p1.key == p2.key
        diff = np.abs(_shown(small1, p1).astype(int) - _shown(img2, p2).astype(int))
        assert diff.mean() < 2, p1.key


def _mono1_copy(tmp_path: Path, img) -> Path:
    path = tmp_path / "mono1.dcm"
    stored = img.pixels[::8, ::8].astype(np.uint16)
    path.write_bytes(dicom_bytes(stored, photometric="MONOCHROME1", modality="DX", window=(2048, 4096)))
    return path


def test_every_window_of_the_file_is_offered_with_its_explanation(tmp_path):
    from tests.imaging.factory import dicom_dataset, to_bytes

    ds = dicom_dataset(np.arange(64 * 64, dtype=np.uint16).reshape(64, 64), modality="CR")
    ds.WindowCenter = [2048, 1000, 300]
    ds.WindowWidth = [4096, 500, 0]  # a zero width is no window: skipped
    ds.WindowCenterWidthExplanation = ["NORMAL", "HARDER", "BAD"]
    path = tmp_path / "w.dcm"
    path.write_bytes(to_bytes(ds))
    presets = window_presets(decode_dicom(path, max_pixels=10**6))
    files = [(p.key, p.label, p.center, p.width) for p in presets if p.source == "file"]
    assert files == [
        ("default", "Default (file window)", 2048.0, 4096.0),
        ("file-2", "HARDER", 1000.0, 500.0),
    ]
