"""pixel_checksum: equal for equal modality values across encodings, different otherwise."""

from __future__ import annotations

import hashlib
import struct

import numpy as np

from imaging.checksum import pixel_checksum
from imaging.decoded import DecodedImage
from imaging.dicom import decode_dicom
from imaging.raster import decode_raster
from tests.imaging import factory as f

LIMIT = 10_000_000


def test_same_pixels_same_checksum_across_encodings():
    stored = f.gradient(33, 47, lo=0, hi=4095)
    ds = f.dicom_dataset(stored)
    sums = {
        pixel_checksum(decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)),
        pixel_checksum(decode_dicom(f.to_bytes(f.compressed(ds, "rle")), max_pixels=LIMIT)),
        pixel_checksum(decode_dicom(f.to_bytes(f.compressed(ds, "j2k")), max_pixels=LIMIT)),
        pixel_checksum(decode_dicom(f.to_bytes(f.compressed(ds, "jpeg-lossless")), max_pixels=LIMIT)),
        pixel_checksum(decode_raster(f.png_bytes(stored), max_pixels=LIMIT)),  # 16-bit PNG re-encode
    }
    assert len(sums) == 1


def test_8_bit_dicom_and_png_agree():
    px = f.gradient(20, 20, lo=0, hi=255).astype(np.uint8)
    a = decode_dicom(f.dicom_bytes(px, bits_allocated=8, bits_stored=8), max_pixels=LIMIT)
    b = decode_raster(f.png_bytes(px), max_pixels=LIMIT)
    assert pixel_checksum(a) == pixel_checksum(b)


def test_metadata_and_window_do_not_change_the_checksum():
    stored = f.gradient(16, 16)
    a = decode_dicom(f.dicom_bytes(stored, window=(10, 20), patient_id="A"), max_pixels=LIMIT)
    b = decode_dicom(f.dicom_bytes(stored, window=(900, 50), patient_id="B"), max_pixels=LIMIT)
    assert pixel_checksum(a) == pixel_checksum(b)


def test_one_changed_pixel_or_shape_or_polarity_changes_it():
    stored = f.gradient(16, 16)
    base = pixel_checksum(decode_dicom(f.dicom_bytes(stored), max_pixels=LIMIT))
    changed = stored.copy()
    changed[7, 9] += 1
    assert pixel_checksum(decode_dicom(f.dicom_bytes(changed), max_pixels=LIMIT)) != base
    assert pixel_checksum(decode_dicom(f.dicom_bytes(stored.reshape(8, 32)), max_pixels=LIMIT)) != base
    m1 = decode_dicom(f.dicom_bytes(stored, photometric="MONOCHROME1"), max_pixels=LIMIT)
    assert pixel_checksum(m1) != base


def test_checksum_is_exactly_the_documented_bytes():
    values = np.array([[1.0, -2.0], [3.0, 70000.0]], dtype=np.float32)
    img = DecodedImage(pixels=values, photometric="MONOCHROME2", bits_stored=16, default_window=(0, 1))
    want = hashlib.sha256(
        b"arbiter-pixels-v1\nM2" + struct.pack("<II", 2, 2) + b"i" + values.astype("<i4").tobytes()
    ).hexdigest()
    assert pixel_checksum(img) == want
    frac = DecodedImage(pixels=values / 4, photometric="MONOCHROME2", bits_stored=16, default_window=(0, 1))
    want_f = hashlib.sha256(
        b"arbiter-pixels-v1\nM2" + struct.pack("<II", 2, 2) + b"f" + (values / 4).astype("<f4").tobytes()
    ).hexdigest()
    assert pixel_checksum(frac) == want_f


def test_dtype_does_not_matter():
    ints = np.arange(6, dtype=np.int64).reshape(2, 3)
    a = DecodedImage(pixels=ints, photometric="MONOCHROME2", bits_stored=8, default_window=(0, 1))
    b = DecodedImage(
        pixels=ints.astype(np.float32), photometric="MONOCHROME2", bits_stored=8, default_window=(0, 1)
    )
    assert pixel_checksum(a) == pixel_checksum(b)
