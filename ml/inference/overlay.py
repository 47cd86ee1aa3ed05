"""Rendering a heat map as an RGBA PNG overlay (pure function: bytes out, nothing cached here).

The heat map (float, [0, 1]) is resized to the requested size, coloured with a colormap and given an
alpha channel: by default `alpha * heat`, so cold regions stay transparent over the image beneath;
with `fade=False` a constant `alpha`. With `base` (a grayscale image in [0, 1]) the overlay is
composited onto it and the PNG is opaque. Caching per (image, model version, finding) is the caller's.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ml.nets.errors import InputError

COLORMAPS = ("jet", "hot", "gray")


def colormap(heat: np.ndarray, name: str = "jet") -> np.ndarray:
    """`[H, W]` in [0, 1] -> `[H, W, 3]` float RGB in [0, 1]."""
    h = np.clip(heat.astype(np.float32), 0.0, 1.0)
    if name == "jet":  # piecewise-linear MATLAB/matplotlib jet
        r = np.clip(1.5 - np.abs(4 * h - 3), 0, 1)
        g = np.clip(1.5 - np.abs(4 * h - 2), 0, 1)
        b = np.clip(1.5 - np.abs(4 * h - 1), 0, 1)
    elif name == "hot":
        r, g, b = np.clip(3 * h, 0, 1), np.clip(3 * h - 1, 0, 1), np.clip(3 * h - 2, 0, 1)
    elif name == "gray":
        r = g = b = h
    else:
        raise InputError(f"unknown colormap {name!r}; choose one of {COLORMAPS}")
    return np.stack([r, g, b], axis=-1)


def _resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of a float map to (width, height)."""
    if arr.shape[::-1] == tuple(size):
        return arr
    return np.asarray(Image.fromarray(arr.astype(np.float32), mode="F").resize(size, Image.BILINEAR))


def overlay_rgba(
    heat: np.ndarray,
    *,
    alpha: float = 0.5,
    colormap_name: str = "jet",
    size: tuple[int, int] | None = None,
    fade: bool = True,
    base: np.ndarray | None = None,
) -> np.ndarray:
    """The overlay as a uint8 `[H, W, 4]` array (see `render_overlay`)."""
    heat = np.asarray(heat, dtype=np.float32)
    if heat.ndim != 2 or not np.isfinite(heat).all():
        raise InputError(f"heat map must be a finite 2-D array, got shape {heat.shape}")
    if not 0.0 <= alpha <= 1.0:
        raise InputError(f"alpha must lie in [0, 1], got {alpha}")
    if size is None:
        size = (base.shape[1], base.shape[0]) if base is not None else (heat.shape[1], heat.shape[0])
    heat = np.clip(_resize(heat, size), 0.0, 1.0)
    rgb = colormap(heat, colormap_name)
    a = alpha * heat if fade else np.full(heat.shape, alpha, np.float32)
    if base is not None:
        b = np.clip(_resize(np.asarray(base, np.float32), size), 0.0, 1.0)[..., None]
        rgb = rgb * a[..., None] + b * (1.0 - a[..., None])
        a = np.ones_like(a)
    out = np.concatenate([rgb, a[..., None]], axis=-1)
    return np.rint(out * 255.0).astype(np.uint8)


def render_overlay(
    heat: np.ndarray,
    *,
    alpha: float = 0.5,
    colormap_name: str = "jet",
    size: tuple[int, int] | None = None,
    fade: bool = True,
    base: np.ndarray | None = None,
) -> bytes:
    """PNG bytes of the RGBA overlay for `heat` ([0, 1]); `size` is (width, height)."""
    rgba = overlay_rgba(heat, alpha=alpha, colormap_name=colormap_name, size=size, fade=fade, base=base)
    buf = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buf, format="PNG", optimize=False)
    return buf.getvalue()
