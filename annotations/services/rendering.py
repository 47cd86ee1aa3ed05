"""Rendered views of an image (PNG/WebP at a window and size, thumbnails), cached on disk.

The cache key is the image's derived-cache key plus every rendering parameter, so a render is
computed once from full bit depth and then served from the file.
"""

import json
import os
import tempfile
from pathlib import Path

from django.conf import settings

from annotations.errors import InvalidInputError
from annotations.models import Image
from annotations.selectors.pixels import image_decode
from imaging.render import render as render_image
from imaging.render import thumbnail as render_thumbnail
from imaging.voi import window_presets
from imaging.wire import wire_pixels

FORMATS = {"png": "image/png", "webp": "image/webp"}
MAX_RENDER_SIZE = 4096
# Bump when the presets or the wire layout change, so cached files of the old kind are not served.
VOI_VERSION = 1
# The windows/ body's own version (2: pixel spacing and the full image's shape for measurements).
WINDOWS_VERSION = 2


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


def image_windows(image: Image) -> dict:
    """The viewer's VOI for the image: presets in real units (file VOI first), polarity, the file's
    VOI LUT if it has one (the 'default' preset then means the LUT), the modality and its unit."""

    def make() -> bytes:
        img = image_decode(image)
        meta = img.meta
        modality = meta.modality if meta is not None else ""
        lut = img.voi_lut
        body = {
            "image": image.pk,
            "modality": modality,
            "units": "HU" if modality.upper() == "CT" else "",
            "photometric": img.photometric,
            # Millimetres per pixel of the full image (rows, columns), for the viewer's measurements.
            "pixel_spacing": None if meta is None or meta.pixel_spacing is None else list(meta.pixel_spacing),
            "spacing_source": "" if meta is None else meta.spacing_source,
            "rows": img.pixels.shape[0],
            "cols": img.pixels.shape[1],
            "presets": [p.as_dict() for p in window_presets(img)],
            "voi_lut": None
            if lut is None
            else {"first_mapped": lut.first_mapped, "bits": lut.bits, "table": [int(v) for v in lut.table]},
        }
        return json.dumps(body).encode()

    return json.loads(_cached(_cache_path(image, f"voi-v{VOI_VERSION}-{WINDOWS_VERSION}.json"), make))


def image_pixels(image: Image, *, size: int | None = None) -> tuple[bytes, dict[str, str]]:
    """Modality values as little-endian uint16 (longest side at most ``size``) and the headers that
    decode them (rows, cols, value = intercept + slope * sample)."""
    if size is not None and not 8 <= size <= MAX_RENDER_SIZE:
        raise InvalidInputError(f"size must be between 8 and {MAX_RENDER_SIZE}")
    longest = max(image.rows, image.cols)
    size = None if size is None or size >= longest else size
    path = _cache_path(image, f"px-v{VOI_VERSION}-{size}.u16")
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return path.read_bytes(), json.loads(meta_path.read_text())
    wire = wire_pixels(image_decode(image), size=size)
    headers = {
        "X-Arbiter-Rows": str(wire.rows),
        "X-Arbiter-Cols": str(wire.cols),
        "X-Arbiter-Slope": repr(wire.slope),
        "X-Arbiter-Intercept": repr(wire.intercept),
    }
    _cached(meta_path, lambda: json.dumps(headers).encode())
    return _cached(path, lambda: wire.data), headers
