"""Modality values for the browser: one little-endian uint16 plane, decoded there to exact units.

The viewer windows, inverts, zooms and pans in the browser (no server round trip per window), so it
needs the full-bit-depth values, not an 8-bit rendering. ``modality = intercept + slope * q`` for
each uint16 ``q``. An image kept at its own size whose values are integers spanning at most 65,536
steps travels exactly (slope 1); a resized image (box-filtered in float, so averages are kept) or one
with a wider or fractional range is spread over the 65,536 steps, an error of at most half a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from imaging.decoded import DecodedImage

__all__ = ["WirePixels", "wire_pixels"]

_STEPS = 65535


@dataclass(frozen=True, eq=False)
class WirePixels:
    data: bytes  # rows * cols little-endian uint16, row-major
    rows: int
    cols: int
    slope: float
    intercept: float

    def value(self, q: np.ndarray) -> np.ndarray:
        """Modality values of quantised samples (what the browser computes)."""
        return self.intercept + self.slope * np.asarray(q, dtype=np.float64)


def _resized(pixels: np.ndarray, size: int | None) -> np.ndarray:
    rows, cols = pixels.shape
    if size is None or max(rows, cols) <= size:
        return pixels
    if rows >= cols:
        target = (max(1, int(cols * size / rows + 0.5)), size)
    else:
        target = (size, max(1, int(rows * size / cols + 0.5)))
    pil = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.float32), mode="F")
    return np.asarray(pil.resize(target, Image.Resampling.BOX), dtype=np.float32)


def wire_pixels(img: DecodedImage, *, size: int | None = None) -> WirePixels:
    """The image's modality values as uint16, longest side at most ``size`` (never upscaled)."""
    values = _resized(img.pixels, size)
    lo, hi = float(values.min()), float(values.max())
    exact = values is img.pixels and hi - lo <= _STEPS and bool(np.all(values == np.rint(values)))
    slope = 1.0 if exact or hi == lo else (hi - lo) / _STEPS
    q = np.rint((values.astype(np.float64) - lo) / slope)
    np.clip(q, 0, _STEPS, out=q)
    data = q.astype("<u2").tobytes()
    return WirePixels(
        data=data, rows=int(values.shape[0]), cols=int(values.shape[1]), slope=slope, intercept=lo
    )
