"""Rendering: VOI window (PS3.3 C.11.2.1.2) and VOI LUT values, MONOCHROME1, resizing, encoders, ML input."""

from __future__ import annotations

import io
import math

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_voi, apply_windowing

from imaging.dicom import decode_dicom
from imaging.render import model_input, render, thumbnail, to_display
from tests.imaging import factory as f

LIMIT = 10_000_000


def spec_linear(x: float, c: float, w: float) -> float:
    """PS3.3 C.11.2.1.2.1 written out literally, ymin=0, ymax=255, then round half up."""
    if x <= c - 0.5 - (w - 1) / 2:
        y = 0.0
    elif x > c - 0.5 + (w - 1) / 2:
        y = 255.0
    else:
        y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.0
    return math.floor(y + 0.5)


def decoded(pixels, **kwargs):
    return decode_dicom(f.dicom_bytes(pixels, **kwargs), max_pixels=LIMIT)


def test_linear_window_specific_pixels():
    row = np.array([[0, 1000, 2048, 3000, 4095]], dtype=np.uint16)
    img = decoded(row, window=(2048, 4096))
    # by hand: x=1000 -> ((1000 - 2047.5)/4095 + 0.5) * 255 = 62.27 -> 62; x=2048 -> 127.53 -> 128
    np.testing.assert_array_equal(to_display(img), [[0, 62, 128, 187, 255]])


def test_linear_window_matches_the_spec_function_everywhere():
    stored = np.arange(0, 4096, dtype=np.uint16).reshape(64, 64)
    for c, w in [(1000, 400), (2047.5, 1), (300, 2), (3000, 999), (2048, 4096), (10, 7)]:
        img = decoded(stored, window=(c, w))
        got = to_display(img).astype(int)
        want = np.array([spec_linear(float(x), c, w) for x in stored.ravel()]).reshape(stored.shape)
        np.testing.assert_array_equal(got, want, err_msg=f"window {c}/{w}")


def test_window_boundaries_are_exact():
    c, w = 1000, 101  # lower edge: x <= 949.5 -> 0; upper edge: x > 1049.5 -> 255
    stored = np.array([[949, 950, 1049, 1050]], dtype=np.uint16)
    display = to_display(decoded(stored, window=(c, w)))
    assert display[0, 0] == 0 and display[0, 1] > 0
    assert display[0, 2] < 255 and display[0, 3] == 255


def test_window_agrees_with_pydicom_apply_windowing():
    stored = f.gradient(30, 40, lo=0, hi=4095)
    ds = f.dicom_dataset(stored, window=(1500, 1200), slope=1, intercept=-1024)
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    ref = apply_windowing(stored.astype(np.float64) - 1024, ds)  # y in the rescaled stored range
    y_min, y_max = -1024, 4095 - 1024
    ref255 = np.floor((ref - y_min) / (y_max - y_min) * 255 + 0.5)
    np.testing.assert_array_equal(to_display(img), ref255)


def test_explicit_window_overrides_the_file_window():
    stored = f.gradient(20, 20)
    img = decoded(stored, window=(100, 50))
    assert np.array_equal(to_display(img), to_display(img, center=100, width=50))
    other = to_display(img, center=2048, width=4096)
    want = np.array([spec_linear(float(x), 2048, 4096) for x in stored.ravel()]).reshape(stored.shape)
    np.testing.assert_array_equal(other, want)


@pytest.mark.parametrize("function", ["LINEAR_EXACT", "SIGMOID"])
def test_other_voi_functions_follow_the_file(function):
    stored = f.gradient(20, 20)
    ds = f.dicom_dataset(stored, window=(2000, 1000), voi_function=function)
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    ref = apply_windowing(stored.astype(np.float64), ds) / 4095 * 255
    got = to_display(img).astype(float)
    assert np.abs(got - ref).max() <= 0.5 + 1e-3
    assert got.min() < 30 and got.max() > 225  # and it is not the LINEAR result
    assert not np.array_equal(got, to_display(decoded(stored, window=(2000, 1000))))


def _voi_fixture():
    stored = np.arange(0, 4096, 2, dtype=np.uint16).reshape(32, 64)
    first, n = 500, 1024
    table = np.rint(4095 * (np.linspace(0, 1, n) ** 0.5)).astype(np.int64)  # a non-linear LUT, 12 bits
    ds = f.dicom_dataset(stored, voi_lut=(first, 12, table))
    return stored, first, table, ds


def test_voi_lut_maps_pixels_through_the_table():
    stored, first, table, ds = _voi_fixture()
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    assert img.voi_lut is not None and img.voi_lut.first_mapped == first
    want = np.floor(table[np.clip(stored.astype(int) - first, 0, len(table) - 1)] / 4095 * 255 + 0.5)
    got = to_display(img)
    np.testing.assert_array_equal(got, want)
    # spot checks: below the first mapped value -> first entry (0); past the end -> last entry (255)
    assert got[stored == 0].max() == 0 and got[stored == 4094].min() == 255
    x = 600  # inside: table[100] / 4095 * 255
    assert got[stored == x][0] == math.floor(table[x - first] / 4095 * 255 + 0.5)


def test_voi_lut_agrees_with_pydicom_apply_voi():
    stored, _, _, ds = _voi_fixture()
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    ref = apply_voi(stored, ds).astype(np.float64) / 4095 * 255
    np.testing.assert_array_equal(to_display(img), np.floor(ref + 0.5))


def test_voi_lut_default_window_and_override():
    _stored, first, table, ds = _voi_fixture()
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    c, w = img.default_window  # derived from where the LUT is not saturated
    assert c - w / 2 <= first + 1 and c + w / 2 >= first + len(table) - 2
    assert not np.array_equal(to_display(img, center=3000, width=200), to_display(img))


def test_monochrome1_and_its_monochrome2_twin_display_identically():
    m2 = f.gradient(40, 50, lo=0, hi=4095)
    m1 = (4095 - m2).astype(np.uint16)
    img2 = decoded(m2, photometric="MONOCHROME2")
    img1 = decoded(m1, photometric="MONOCHROME1")
    d2, d1 = to_display(img2), to_display(img1)
    np.testing.assert_array_equal(d1, d2)
    assert d2[0, 0] == 0 and d2[-1, -1] == 255  # not trivially equal
    # the same with a file window: the mirrored window for M1 is centre' = 4095 + 1 - centre
    img2w = decoded(m2, window=(1500, 800))
    img1w = decoded(m1, photometric="MONOCHROME1", window=(4096 - 1500, 800))
    np.testing.assert_array_equal(to_display(img1w), to_display(img2w))
    np.testing.assert_allclose(model_input(img1, size=16), model_input(img2, size=16), atol=1e-5)


def test_monochrome1_low_values_display_bright():
    stored = np.array([[0, 4095]], dtype=np.uint16)
    display = to_display(decoded(stored, photometric="MONOCHROME1"))
    np.testing.assert_array_equal(display, [[255, 0]])


def test_invert_flag():
    img = decoded(f.gradient(20, 30))
    d, inv = to_display(img).astype(int), to_display(img, invert=True).astype(int)
    assert np.abs((255 - d) - inv).max() <= 1
    assert np.mean((255 - d) == inv) > 0.95


def test_render_png_roundtrips_the_display_array():
    img = decoded(f.gradient(30, 45), window=(2000, 3000))
    png = render(img, fmt="png")
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), to_display(img))


def _half_and_half(rows: int, cols: int) -> np.ndarray:
    px = np.zeros((rows, cols), dtype=np.uint16)
    px[:, cols // 2 :] = 4095
    return px


@pytest.mark.parametrize(
    ("rows", "cols", "size", "want"), [(300, 200, 64, (43, 64)), (100, 400, 50, (50, 13))]
)
def test_render_size_keeps_aspect_and_content(rows, cols, size, want):
    img = decoded(_half_and_half(rows, cols))
    out = np.asarray(Image.open(io.BytesIO(render(img, size=size, fmt="png"))))
    assert out.shape == (want[1], want[0])  # want is (width, height)
    assert max(out.shape) == size
    half = out.shape[1] // 2
    assert out[:, : half - 2].max() <= 5 and out[:, half + 2 :].min() >= 250


def test_thumbnail_is_webp_of_the_image():
    img = decoded(_half_and_half(200, 200))
    data = thumbnail(img, size=32)
    pil = Image.open(io.BytesIO(data))
    assert pil.format == "WEBP" and pil.size == (32, 32)
    grey = np.asarray(pil.convert("L")).astype(int)
    assert grey[:, :12].mean() < 20 and grey[:, 20:].mean() > 235


def test_thumbnail_follows_the_full_size_display():
    img = decoded(f.gradient(256, 256, seed=5), window=(2000, 2500))
    full = to_display(img).astype(float)
    small = np.asarray(Image.open(io.BytesIO(render(img, size=64, fmt="png")))).astype(float)
    block_mean = full.reshape(64, 4, 64, 4).mean(axis=(1, 3))
    assert np.abs(small - block_mean).mean() < 2.0


def test_model_input_is_default_window_display_in_unit_range():
    stored = f.gradient(64, 64)
    img = decoded(stored, window=(2048, 4096))
    x = model_input(img, size=32)
    assert x.shape == (32, 32) and x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() <= 1.0
    want = to_display(img).astype(np.float32).reshape(32, 2, 32, 2).mean(axis=(1, 3)) / 255
    assert np.abs(x - want).max() < 0.02


def test_bad_render_arguments():
    img = decoded(f.gradient(8, 8))
    with pytest.raises(ValueError, match="format"):
        render(img, fmt="gif")
    with pytest.raises(ValueError, match="size"):
        render(img, size=0)
    with pytest.raises(ValueError, match="width"):
        to_display(img, center=10, width=0.5)


def test_pydicom_reference_dataset_renders():
    from pydicom.data import get_testdata_file

    img = decode_dicom(get_testdata_file("CT_small.dcm"), max_pixels=LIMIT)
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_array_equal(img.pixels, hu.astype(np.float32))
    c, w = img.default_window
    want = np.array([spec_linear(float(v), c, w) for v in hu.ravel()]).reshape(hu.shape)
    assert np.abs(to_display(img).astype(int) - want).max() <= 1
