"""Report text from SR documents; the fast native/RLE decoders against pydicom; the layer is Django-free."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from imaging.dicom import _meta_from, extract_report_text
from imaging.errors import NotDicomError, TruncatedFileError
from imaging.fastpaths import native_pixels, rle_pixels
from tests.imaging import factory as f

ROOT = Path(__file__).resolve().parents[2]


def test_sr_text_items_in_document_order_with_headings():
    data = f.sr_bytes(
        [("Findings", "Small left effusion."), ("Impression", "No pneumothorax."), ("", "Addendum.")]
    )
    text = extract_report_text(data)
    assert text == "Findings: Small left effusion.\n\nImpression: No pneumothorax.\n\nAddendum."


def test_sr_flat_content_and_pydicom_sample():
    assert extract_report_text(f.sr_bytes([("Findings", "Clear.")], nested=False)) == "Findings: Clear."
    text = extract_report_text(get_testdata_file("reportsi.dcm"))
    assert text is not None and "Report Text" in text


def test_non_sr_and_empty_sr_give_none():
    assert extract_report_text(f.dicom_bytes(f.gradient(4, 4))) is None
    assert extract_report_text(f.sr_bytes([])) is None


def test_sr_bad_input_raises():
    with pytest.raises(NotDicomError):
        extract_report_text(b"plain text report")
    data = f.sr_bytes([("Findings", "Small left effusion." * 20)])
    with pytest.raises(TruncatedFileError):
        extract_report_text(data[: data.index(b"Small") + 10])


def _read(data: bytes) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(data))


@pytest.mark.parametrize(
    ("bits_allocated", "bits_stored", "signed"),
    [
        (8, 8, False),
        (8, 7, False),
        (16, 12, False),
        (16, 16, False),
        (16, 12, True),
        (16, 16, True),
        (8, 8, True),
    ],
)
def test_fast_decoders_equal_pydicom(bits_allocated, bits_stored, signed):
    rng = np.random.default_rng(bits_allocated * 100 + bits_stored + signed)
    # random words including garbage above Bits Stored: both decoders must mask/sign-extend alike
    raw = rng.integers(0, 2**bits_allocated, size=(13, 17), dtype=np.uint64)
    dtype = np.uint8 if bits_allocated == 8 else np.uint16
    ds = f.dicom_dataset(raw.astype(dtype), bits_allocated=bits_allocated, bits_stored=bits_stored)
    ds.PixelRepresentation = 1 if signed else 0
    plain = _read(f.to_bytes(ds))
    expected = plain.pixel_array
    fast = native_pixels(plain, _meta_from(plain))
    assert fast is not None
    np.testing.assert_array_equal(fast, expected)
    assert fast.dtype.kind == expected.dtype.kind
    rle = _read(f.to_bytes(f.compressed(plain, "rle")))
    fast_rle = rle_pixels(rle, _meta_from(rle))
    assert fast_rle is not None
    np.testing.assert_array_equal(fast_rle, expected)
    np.testing.assert_array_equal(rle.pixel_array, expected)


def test_fast_rle_on_long_runs_and_pydicom_files():
    px = np.zeros((50, 300), dtype=np.uint16)
    px[:, 150:] = 4000  # runs longer than 128 bytes, split by the encoder
    px[25, :] = np.arange(300)
    rle = _read(f.to_bytes(f.compressed(f.dicom_dataset(px), "rle")))
    np.testing.assert_array_equal(rle_pixels(rle, _meta_from(rle)), px)
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    np.testing.assert_array_equal(rle_pixels(ds, _meta_from(ds)), ds.pixel_array)


def test_fast_paths_decline_what_they_do_not_handle():
    rgb = _read(f.dicom_bytes(np.zeros((4, 4, 3), np.uint8), bits_allocated=8, bits_stored=8))
    assert native_pixels(rgb, _meta_from(rgb)) is None
    broken = _read(f.to_bytes(f.compressed(f.dicom_dataset(f.gradient(8, 8)), "rle")))
    frame = b"\x02\x00\x00\x00" + b"\x00" * 60  # header says 2 segments with zero offsets
    from pydicom.encaps import encapsulate

    broken.PixelData = encapsulate([frame])
    assert rle_pixels(broken, _meta_from(broken)) is None


def test_imaging_package_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import imaging, imaging.render, annotations.ingest.archives\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules if sys.modules[m])\n"
        "assert 'annotations.models' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
