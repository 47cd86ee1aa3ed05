"""Pixel checksum: a content hash of what an image shows, independent of file format and encoding.

``pixel_checksum`` is the SHA-256 (hex) of exactly these bytes:

    b"arbiter-pixels-v1\\n"
    + b"M1" or b"M2"                        polarity (MONOCHROME1 displays inverted)
    + rows, cols as two little-endian uint32
    + a kind byte, b"i" or b"f"
    + the values, row-major:
        kind b"i": when every modality value is an integer in int32 range -> little-endian int32
        kind b"f": otherwise -> little-endian float32 (-0.0 written as 0.0, every NaN as one NaN)

So the same modality values hash the same whether they came from uncompressed DICOM, RLE, JPEG 2000
lossless, JPEG-LS lossless, or a PNG re-encode of those values, and whatever dtype the decoder used.
Window/VOI settings, bit depth declarations and metadata are deliberately NOT hashed; lossy
re-encodes change values and therefore the checksum.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

from imaging.decoded import DecodedImage

__all__ = ["pixel_checksum"]

_PREFIX = b"arbiter-pixels-v1\n"


def pixel_checksum(img: DecodedImage) -> str:
    """SHA-256 hex digest of the canonical pixel content (see the module docstring)."""
    pixels = np.asarray(img.pixels)
    if pixels.ndim != 2:
        raise ValueError(f"pixel_checksum expects a 2-D image, got shape {pixels.shape}")
    rows, cols = pixels.shape
    h = hashlib.sha256()
    h.update(_PREFIX)
    h.update(b"M1" if img.photometric == "MONOCHROME1" else b"M2")
    h.update(struct.pack("<II", rows, cols))
    as_float = pixels.astype(np.float64, copy=False)
    finite = np.isfinite(as_float).all()
    integral = (
        finite
        and (np.issubdtype(pixels.dtype, np.integer) or bool(np.all(np.mod(as_float, 1.0) == 0)))
        and (pixels.size == 0 or (as_float.min() >= -(2**31) and as_float.max() <= 2**31 - 1))
    )
    if integral:
        h.update(b"i")
        h.update(np.ascontiguousarray(pixels, dtype="<i4").tobytes())
    else:
        h.update(b"f")
        values = np.ascontiguousarray(pixels, dtype="<f4").copy()
        values[values == 0] = 0.0  # folds -0.0 into 0.0
        values[np.isnan(values)] = np.float32("nan")
        h.update(values.tobytes())
    return h.hexdigest()
