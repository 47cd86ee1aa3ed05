"""JPEG 2000 frames with a marker segment after their last tile-part (Kakadu's trailing COM) decode."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.encaps import encapsulate, generate_frames

from imaging import decode_dicom
from imaging.errors import UnreadableImageError
from imaging.j2k import strip_after_last_tile
from tests.imaging.factory import compressed, dicom_dataset, gradient, to_bytes
from tests.imaging.test_voi_presets import REAL

COM_PADDING = b"\xff\x64\x00\x0b\x00\x01PADDING"


def _j2k_with_trailer(pixels: np.ndarray, trailer: bytes):
    ds = compressed(dicom_dataset(pixels), "j2k")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    assert frame.endswith(b"\xff\xd9")
    ds.PixelData = encapsulate([frame[:-2] + trailer + b"\xff\xd9"])
    return ds, frame


def test_a_trailing_com_segment_is_dropped_and_the_pixels_are_exact(tmp_path):
    pixels = gradient(40, 56)
    ds, clean = _j2k_with_trailer(pixels, COM_PADDING)
    path = tmp_path / "kakadu.dcm"
    path.write_bytes(to_bytes(ds))
    img = decode_dicom(path, max_pixels=10**6)
    assert np.array_equal(img.pixels, pixels.astype(np.float32))
    assert strip_after_last_tile(next(generate_frames(ds.PixelData, number_of_frames=1))) == clean


def test_a_clean_or_unwalkable_stream_is_left_alone():
    ds = compressed(dicom_dataset(gradient(64, 64)), "j2k")
    clean = next(generate_frames(ds.PixelData, number_of_frames=1))
    assert strip_after_last_tile(clean) is None
    assert strip_after_last_tile(b"not a codestream") is None
    assert strip_after_last_tile(clean[:40]) is None  # cut inside the tile-part: keep the original error


def test_garbage_that_is_not_a_trailer_still_fails_clearly(tmp_path):
    ds = compressed(dicom_dataset(gradient(64, 64)), "j2k")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[:60] + b"\x00" * 40 + frame[100:]])
    path = tmp_path / "broken.dcm"
    path.write_bytes(to_bytes(ds))
    with pytest.raises(UnreadableImageError):
        decode_dicom(path, max_pixels=10**6)


def test_the_real_nema_dx_decodes_at_12_bits():
    path = REAL / "dx_chest_mono1_j2k.dcm"
    if not path.is_file():
        pytest.skip(f"the real development DICOMs are absent ({path})")
    img = decode_dicom(path, max_pixels=50_000_000)
    assert img.pixels.shape == (2128, 2000) and img.pixels.min() == 0 and img.pixels.max() == 4095
    assert img.photometric == "MONOCHROME1" and img.default_window == (2048.0, 4096.0)
