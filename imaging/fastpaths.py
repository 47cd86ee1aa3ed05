"""Fast stored-value decoders for the two commonest layouts, verified against pydicom in the tests.

* native (uncompressed) greyscale, 8 or 16 bits allocated: one ``np.frombuffer`` plus pydicom's
  masking (unsigned) / sign extension (signed) of the bits above Bits Stored;
* RLE Lossless greyscale, 8 or 16 bits allocated: each RLE segment is PackBits (PS3.5 Annex G), which
  Pillow decodes in C ("packbits" decoder), instead of pydicom's pure-Python loop.

Each returns None whenever the layout is outside what it handles (or the data is odd), and the
caller falls back to pydicom, which also produces the error message for broken data.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from imaging.decoded import DicomMeta

_BIG_ENDIAN = "1.2.840.10008.1.2.2"


def _fix_bits(arr: np.ndarray, bits_allocated: int, bits_stored: int, signed: bool) -> np.ndarray:
    """Mask (unsigned) or sign-extend (signed) values to Bits Stored, as pydicom does."""
    unsigned_dtype = np.uint8 if bits_allocated == 8 else np.uint16
    signed_dtype = np.int8 if bits_allocated == 8 else np.int16
    if 0 < bits_stored < bits_allocated:
        if signed:
            shift = bits_allocated - bits_stored
            return (arr.astype(unsigned_dtype) << shift).view(signed_dtype) >> shift
        return arr & unsigned_dtype((1 << bits_stored) - 1)
    return arr.view(signed_dtype) if signed else arr


def native_pixels(ds: Dataset, meta: DicomMeta) -> np.ndarray | None:
    if meta.samples_per_pixel != 1 or meta.bits_allocated not in (8, 16):
        return None
    if meta.photometric_interpretation not in ("MONOCHROME1", "MONOCHROME2"):
        return None
    n = meta.rows * meta.cols
    raw = ds.PixelData
    if meta.bits_allocated == 8:
        dtype = np.dtype(np.uint8)
    else:
        dtype = np.dtype(">u2" if meta.transfer_syntax_uid == _BIG_ENDIAN else "<u2")
    if len(raw) < n * dtype.itemsize:
        return None
    arr = np.frombuffer(raw, dtype=dtype, count=n).reshape(meta.rows, meta.cols)
    arr = arr.astype(dtype.newbyteorder("="), copy=True)
    return _fix_bits(arr, meta.bits_allocated, meta.bits_stored, meta.pixel_representation == 1)


def _rle_frame(ds: Dataset) -> bytes | None:
    from pydicom.encaps import generate_frames

    try:
        frames = generate_frames(ds.PixelData, number_of_frames=1)
        return next(iter(frames))
    except Exception:
        return None


def rle_pixels(ds: Dataset, meta: DicomMeta) -> np.ndarray | None:
    if meta.samples_per_pixel != 1 or meta.bits_allocated not in (8, 16):
        return None
    if meta.photometric_interpretation not in ("MONOCHROME1", "MONOCHROME2"):
        return None
    frame = _rle_frame(ds)
    if frame is None or len(frame) < 64:
        return None
    header = struct.unpack("<16L", frame[:64])
    n_segments = header[0]
    n_bytes = meta.bits_allocated // 8
    if n_segments != n_bytes:
        return None
    offsets = [*header[1 : 1 + n_segments], len(frame)]
    n = meta.rows * meta.cols
    planes = []
    try:
        for i in range(n_segments):
            start, end = offsets[i], offsets[i + 1]
            if not 64 <= start < end <= len(frame):
                return None
            plane = Image.frombytes("L", (n, 1), frame[start:end], "packbits", "L")
            planes.append(np.asarray(plane).reshape(meta.rows, meta.cols))
    except (ValueError, OSError, MemoryError):
        return None
    # segment 0 holds the most significant bytes (PS3.5 G.2)
    arr = planes[0].copy() if n_bytes == 1 else (planes[0].astype(np.uint16) << 8) | planes[1]
    return _fix_bits(arr, meta.bits_allocated, meta.bits_stored, meta.pixel_representation == 1)
