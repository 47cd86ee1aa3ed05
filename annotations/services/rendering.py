"""Rendered views of an image (PNG/WebP at a window and size, thumbnails), cached on disk.

The cache key is the image's derived-cache key plus every rendering parameter, so a render is
computed once from full bit depth and then served from the file.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings

from annotations.imaging.render import render as render_image
from annotations.imaging.render import thumbnail as render_thumbnail
from annotations.models import Image
from annotations.selectors.pixels import image_decode
from annotations.services.errors import InvalidInputError

FORMATS = {"png": "image/png", "webp": "image/webp"}
MAX_RENDER_SIZE = 4096


def _cache_path(image: Image, name: str) -> Path:
    key = image.derived_cache_key
    return Path(settings.ARBITER_RENDER_CACHE_DIR) / key[:2] / key / name


def _cached(path: Path, make) -> bytes:
    if path.exists():
        return path.read_bytes()
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return data


def image_render(
    image: Image,
    *,
    center: float | None = None,
    width: float | None = None,
    size: int | None = None,
    fmt: str = "png",
    invert: bool = False,
) -> tuple[bytes, str]:
    if fmt not in FORMATS:
        raise InvalidInputError(f"format must be one of {', '.join(FORMATS)}")
    if size is not None and not 8 <= size <= MAX_RENDER_SIZE:
        raise InvalidInputError(f"size must be between 8 and {MAX_RENDER_SIZE}")
    if width is not None and width <= 0:
        raise InvalidInputError("window width must be positive")
    if (center is None) != (width is None):
        raise InvalidInputError("give both window centre and width, or neither")
    name = f"r-{center}-{width}-{size}-{int(invert)}.{fmt}"
    data = _cached(
        _cache_path(image, name),
        lambda: render_image(
            image_decode(image), center=center, width=width, size=size, fmt=fmt, invert=invert
        ),
    )
    return data, FORMATS[fmt]


def image_thumbnail(image: Image, *, size: int = 256) -> tuple[bytes, str]:
    if not 16 <= size <= 1024:
        raise InvalidInputError("thumbnail size must be between 16 and 1024")
    size = min(size, max(image.rows, image.cols))  # a thumbnail never upscales
    data = _cached(
        _cache_path(image, f"t-{size}.webp"),
        lambda: render_thumbnail(image_decode(image), size=size, fmt="webp"),
    )
    return data, FORMATS["webp"]
