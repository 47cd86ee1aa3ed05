"""Hostile and odd input never escapes as anything but an ImagingError; pydicom warnings stay quiet."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from imaging.dicom import decode_dicom, extract_report_text, read_dicom_meta
from imaging.errors import ImagingError
from imaging.raster import decode_raster
from tests.imaging import factory as f

LIMIT = 4_000_000
PYDICOM_FILES = sorted(Path(os.path.dirname(get_testdata_file("CT_small.dcm"))).glob("*.dcm"))


@pytest.mark.parametrize("path", PYDICOM_FILES, ids=lambda p: p.name)
def test_every_bundled_pydicom_file_decodes_or_raises_imaging_error(path):
    try:
        img = decode_dicom(path, max_pixels=LIMIT)
    except ImagingError as exc:
        assert exc.code and str(exc)
    else:
        assert img.pixels.ndim == 2 and img.pixels.dtype == np.float32
        assert np.isfinite(img.pixels).all()


def _mutations(data: bytes, n: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        buf = bytearray(data)
        kind = rng.integers(0, 3)
        if kind == 0:  # flip a few bytes (the header region is the interesting part)
            for pos in rng.integers(128, min(len(buf), 900), size=rng.integers(1, 6)):
                buf[pos] = int(rng.integers(0, 256))
        elif kind == 1:  # truncate anywhere
            del buf[int(rng.integers(0, len(buf))) :]
        else:  # splice garbage in
            pos = int(rng.integers(0, len(buf)))
            buf[pos:pos] = rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        yield bytes(buf)


@pytest.mark.parametrize("syntax", [None, "rle", "jpeg-lossless"])
def test_mutated_dicom_only_raises_imaging_errors(syntax):
    ds = f.dicom_dataset(f.gradient(24, 24), window=(2000, 1000))
    data = f.to_bytes(ds if syntax is None else f.compressed(ds, syntax))
    for bad in _mutations(data, 150, seed=len(syntax or "")):
        for fn in (lambda b: decode_dicom(b, max_pixels=LIMIT), read_dicom_meta, extract_report_text):
            with contextlib.suppress(ImagingError):
                fn(bad)


def test_mutated_png_only_raises_imaging_errors():
    data = f.png_bytes(f.gradient(24, 24, lo=0, hi=255).astype(np.uint8))
    for bad in _mutations(data, 150, seed=9):
        with contextlib.suppress(ImagingError):
            decode_raster(bad, max_pixels=LIMIT)


def test_pydicom_value_warnings_are_not_logged_or_warned(caplog):
    ds = f.dicom_dataset(f.gradient(8, 8))
    data = bytearray(f.to_bytes(ds))
    i = data.index(b"045Y")
    data[i : i + 4] = b"SECR"  # an invalid Age String that pydicom would warn about, quoting it
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        meta = read_dicom_meta(bytes(data))
        decode_dicom(bytes(data), max_pixels=LIMIT)
    assert meta.patient_age_years is None
    assert "SECR" not in caplog.text
