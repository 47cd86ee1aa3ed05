"""Vectorised drawing primitives shared by the synthetic renderers.

Everything works on a normalised grid: ``x`` runs from -1 (left edge) to +1 (right edge) and
``y`` from -1 (top) to +1 (bottom). Masks are soft (float32 in [0, 1]) so edges are anti-aliased
and images stay smooth enough for small CNNs.
"""

from __future__ import annotations

import numpy as np


def grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) coordinate arrays of shape (size, size) in [-1, 1]."""
    axis = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    y, x = np.meshgrid(axis, axis, indexing="ij")
    return x, y


def ramp(signed_distance: np.ndarray, width: float) -> np.ndarray:
    """Soft step: 1 where ``signed_distance`` < -width/2, 0 where > width/2, linear between."""
    return np.clip(0.5 - signed_distance / max(width, 1e-6), 0.0, 1.0).astype(np.float32, copy=False)


def ellipse_radius(
    x: np.ndarray, y: np.ndarray, cx: float, cy: float, ax: float, ay: float, angle: float = 0.0
) -> np.ndarray:
    """Normalised elliptical radius: 1 on the ellipse boundary, 0 at its centre."""
    dx = x - cx
    dy = y - cy
    if angle:
        c, s = np.cos(angle), np.sin(angle)
        dx, dy = c * dx + s * dy, -s * dx + c * dy
    return np.sqrt((dx / ax) ** 2 + (dy / ay) ** 2)


def ellipse(
    x: np.ndarray,
    y: np.ndarray,
    cx: float,
    cy: float,
    ax: float,
    ay: float,
    *,
    angle: float = 0.0,
    edge: float = 0.02,
) -> np.ndarray:
    """Soft filled ellipse; ``edge`` is the blur width in grid units."""
    r = ellipse_radius(x, y, cx, cy, ax, ay, angle)
    return ramp((r - 1.0) * min(ax, ay), edge)


def blob(x: np.ndarray, y: np.ndarray, cx: float, cy: float, sx: float, sy: float) -> np.ndarray:
    """Gaussian bump with peak 1."""
    return np.exp(-(((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2) * 0.5).astype(np.float32, copy=False)


def band(distance: np.ndarray, half_width: float, edge: float = 0.01) -> np.ndarray:
    """Soft band where |distance| < half_width."""
    return ramp(np.abs(distance) - half_width, edge)


def segment_distance(x: np.ndarray, y: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Distance from each grid point to the segment (x0, y0)-(x1, y1)."""
    vx, vy = x1 - x0, y1 - y0
    length2 = max(vx * vx + vy * vy, 1e-9)
    t = np.clip(((x - x0) * vx + (y - y0) * vy) / length2, 0.0, 1.0)
    return np.hypot(x - (x0 + t * vx), y - (y0 + t * vy))


def smooth_noise(rng: np.random.Generator, size: int, cutoff: float) -> np.ndarray:
    """Gaussian-filtered white noise with zero mean and unit standard deviation, shape (size, size).

    ``cutoff`` is the low-pass cut-off as a fraction of the Nyquist frequency: small values give
    large smooth blobs, values near 1 give fine texture. Smooth fields are synthesised on a coarse
    grid and upsampled bilinearly, which is much cheaper and looks the same.
    """
    m = int(min(size, max(16, 16 * np.ceil(size * cutoff / 4.0))))  # a multiple of 16: fast FFT
    white = rng.standard_normal((m, m), dtype=np.float32)
    fy = np.fft.fftfreq(m).astype(np.float32) * 2.0
    fx = np.fft.rfftfreq(m).astype(np.float32) * 2.0
    c = cutoff * size / m
    kernel = np.exp(-(fy[:, None] ** 2 + fx[None, :] ** 2) / (2.0 * c * c)).astype(np.float32)
    field = np.fft.irfft2(np.fft.rfft2(white) * kernel, s=(m, m)).astype(np.float32)
    if m != size:
        field = upsample(field, size)
    field -= field.mean()
    std = float(field.std())
    return field / std if std > 0 else field


def upsample(field: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a square array to (size, size)."""
    m = field.shape[0]
    pos = np.linspace(0.0, m - 1.0, size, dtype=np.float32)
    i0 = np.minimum(pos.astype(np.int64), m - 2)
    t = pos - i0
    rows = field[i0, :] * (1.0 - t)[:, None] + field[i0 + 1, :] * t[:, None]
    return (rows[:, i0] * (1.0 - t)[None, :] + rows[:, i0 + 1] * t[None, :]).astype(np.float32)


def ridges(field: np.ndarray, sharpness: float) -> np.ndarray:
    """Thin line network along the zero crossings of a smooth field (vessels, reticulation)."""
    return np.exp(-((field / sharpness) ** 2)).astype(np.float32, copy=False)


def blur(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian blur via FFT (periodic boundary; callers keep content away from the edges)."""
    if sigma_px <= 0:
        return image
    size_y, size_x = image.shape
    fy = np.fft.fftfreq(size_y).astype(np.float32)
    fx = np.fft.fftfreq(size_x).astype(np.float32)
    gy, gx = np.meshgrid(fy, fx, indexing="ij")
    kernel = np.exp(-2.0 * (np.pi * sigma_px) ** 2 * (gx * gx + gy * gy))
    return np.fft.ifft2(np.fft.fft2(image) * kernel).real.astype(np.float32)
