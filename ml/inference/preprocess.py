"""From a decoded image to the array a network takes.

The pixel layer hands over float32 images in [0, 1] (2-D, any size). `prepare` checks one, resizes it
to the model's square input (bilinear with antialiasing; a no-op when the pixel layer already resized
it) and stores it in the cache's compact form: uint8 by default (what the 8-bit ChestX-ray14 PNGs
hold), float16 or float32 on request. The ImageNet normalisation happens later, on the device, inside
`ArbiterNet`'s input adapter, so what sits in the cache and travels to the GPU stays small.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from ml.nets.errors import InputError

STORE_DTYPES: dict[str, np.dtype] = {
    "uint8": np.dtype(np.uint8),
    "float16": np.dtype(np.float16),
    "float32": np.dtype(np.float32),
}


def check_image(img: np.ndarray) -> np.ndarray:
    """A 2-D finite float image in [0, 1] as float32 (uint8 is scaled by 1/255)."""
    arr = np.asarray(img)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2 or min(arr.shape) < 2:
        raise InputError(f"expected a 2-D grayscale image, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if not np.issubdtype(arr.dtype, np.floating):
        raise InputError(f"expected float pixels in [0, 1] (or uint8), got dtype {arr.dtype}")
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        raise InputError("image contains NaN or infinite pixels")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        raise InputError(f"pixels must lie in [0, 1] (got {lo:.3g}..{hi:.3g}); rescale in the pixel layer")
    return np.clip(arr, 0.0, 1.0)


def resize(img: np.ndarray, size: int) -> np.ndarray:
    """Resize a 2-D float32 image to `size` x `size` (bilinear, antialiased); a copy if already so.

    Pillow's float ('F') resampling, as the pixel layer uses: it widens the filter when shrinking
    (antialiasing) and releases the GIL, so decode threads resize in parallel.
    """
    if img.shape == (size, size):
        return np.array(img, dtype=np.float32, copy=True)
    pil = Image.fromarray(np.ascontiguousarray(img, dtype=np.float32), mode="F")
    out = np.asarray(pil.resize((size, size), Image.BILINEAR), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def quantise(img: np.ndarray, dtype: str = "uint8") -> np.ndarray:
    """A [0, 1] float image in the stored form `dtype` (uint8 rounds to 1/255 steps)."""
    if dtype not in STORE_DTYPES:
        raise InputError(f"unknown store dtype {dtype!r}; choose one of {sorted(STORE_DTYPES)}")
    if dtype == "uint8":
        return np.rint(img * 255.0).astype(np.uint8)
    return img.astype(STORE_DTYPES[dtype])


def prepare(img: np.ndarray, size: int, dtype: str = "uint8") -> np.ndarray:
    """check + resize + quantise: what the preprocessing cache stores for one image."""
    return quantise(resize(check_image(img), size), dtype)


def prepare_batch(images: np.ndarray | list[np.ndarray], size: int, dtype: str = "float32") -> np.ndarray:
    """Stack many images into `[N, size, size]` in the stored form `dtype`."""
    if isinstance(images, np.ndarray) and images.ndim == 3 and images.shape[1:] == (size, size):
        if images.dtype == np.uint8 and dtype == "uint8":
            return images
        if images.dtype == np.uint8:
            return quantise(images.astype(np.float32) / 255.0, dtype)
        return quantise(np.stack([check_image(i) for i in images]), dtype)
    if len(images) == 0:
        return np.zeros((0, size, size), dtype=STORE_DTYPES.get(dtype, np.float32))
    return np.stack([prepare(i, size, dtype) for i in images])
