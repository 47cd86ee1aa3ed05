"""The ORM -> array bridge of the worker: stored images become the model inputs the ML core takes.

The ML core (`ml`) never sees a row. This module turns `Image` rows into cache keys plus a
`decode(key)` callable for `PreprocessCache` / `Scorer`: the pixel layer decodes the stored file at
full bit depth (`annotations.selectors.pixels.image_decode`), a display correction from resolved QC
flags is applied (an image a person marked as turned 90 degrees is scored upright), and
`imaging.render.model_input` makes the float32 [0, 1] square the networks take.

Cache keys are the image's `derived_cache_key` (the pixels plus how they are derived), with a suffix
when a correction applies, so training runs and re-scores after retraining read the same cache
entries and never decode twice. `decode_count()` counts real decodes in this process (the tests and
the scoring summary use it to show a warm cache decodes nothing). Images whose file is missing or no
longer decodes are reported by `fill_cache`, never fatal to the rest of a chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from annotations.models import Image, QCFlag
from annotations.models.choices import QCStatus
from annotations.selectors.pixels import PixelsUnavailableError, image_decode
from annotations.selectors.qc_flags import image_display_correction
from imaging.render import model_input
from ml.inference.cache import PreprocessCache
from ml.nets.errors import InputError

NO_CORRECTION: dict = {"rotate": 0, "flip": False, "invert": False}

_decodes = 0
_decodes_lock = threading.Lock()


def decode_count() -> int:
    """How many images this process has decoded from storage (cache misses)."""
    return _decodes


def _count_decode() -> None:
    global _decodes
    with _decodes_lock:
        _decodes += 1


def preprocess_cache(size: int) -> PreprocessCache:
    """The shared on-disk preprocessing cache for model inputs of `size` px."""
    return PreprocessCache(settings.ARBITER_PREPROCESS_CACHE_DIR, size=size)


def corrections_of(image_ids: Iterable[int]) -> dict[int, dict]:
    """{image id: {"rotate": clockwise degrees, "invert": bool}} for images with corrected QC flags."""
    ids = list(image_ids)
    corrected = set(
        QCFlag.objects.filter(image_id__in=ids, status=QCStatus.CORRECTED).values_list("image_id", flat=True)
    )
    return {i: image_display_correction(i) for i in sorted(corrected)}


def is_identity(correction: dict | None) -> bool:
    return not correction or (
        int(correction.get("rotate", 0)) % 360 == 0
        and not correction.get("invert")
        and not correction.get("flip")
    )


def input_key(image: Image, correction: dict | None = None) -> str:
    """The preprocessing-cache key of the image's model input (with its correction, if any)."""
    base = image.derived_cache_key or f"image:{image.pk}"
    if is_identity(correction):
        return base
    flip = "f" if correction.get("flip") else ""
    return f"{base}+r{int(correction['rotate']) % 360}{flip}{'i' if correction.get('invert') else ''}"


def apply_correction(arr: np.ndarray, correction: dict | None) -> np.ndarray:
    """Turn a [0, 1] image `rotate` degrees clockwise, then mirror it left-right (`flip`) and / or
    invert it: the derived image corrected QC flags ask for."""
    if is_identity(correction):
        return arr
    out = np.rot90(arr, -(int(correction.get("rotate", 0)) % 360) // 90)
    if correction.get("flip"):
        out = out[:, ::-1]
    if correction.get("invert"):
        out = 1.0 - out
    return np.ascontiguousarray(out, dtype=np.float32)


def undo_correction_geometry(heat: np.ndarray, correction: dict | None) -> np.ndarray:
    """Map a map computed on the corrected image back onto the stored image's orientation."""
    if is_identity(correction):
        return heat
    if correction.get("flip"):
        heat = heat[:, ::-1]
    return np.ascontiguousarray(np.rot90(heat, (int(correction.get("rotate", 0)) % 360) // 90))


def image_array(image: Image, *, size: int, correction: dict | None = None) -> np.ndarray:
    """One image as a float32 `[size, size]` model input in [0, 1] (decodes: counts as a decode)."""
    _count_decode()
    arr = model_input(image_decode(image), size=size)
    return apply_correction(arr, correction)


@dataclass
class ImageInputs:
    """Images as cache keys plus the `decode(key)` callable the cache and the Scorer call on misses."""

    images: list[Image]
    size: int
    corrections: dict[int, dict]

    @classmethod
    def of(cls, images: Sequence[Image], *, size: int, corrected: bool = True) -> ImageInputs:
        images = list(images)
        corrections = corrections_of(i.pk for i in images) if corrected else {}
        return cls(images=images, size=size, corrections=corrections)

    def __post_init__(self) -> None:
        self.keys = [input_key(i, self.corrections.get(i.pk)) for i in self.images]
        self._by_key = dict(zip(self.keys, self.images, strict=True))

    def decode(self, key: str) -> np.ndarray:
        image = self._by_key.get(key)
        if image is None:
            raise InputError(f"no image for cache key {key!r} in this batch")
        return image_array(image, size=self.size, correction=self.corrections.get(image.pk))


@dataclass(frozen=True)
class Filled:
    """Which inputs are in the cache now (positions into `ImageInputs.images`), and which failed."""

    ok: list[int]
    failed: list[tuple[int, str]]  # (image id, message)
    decoded: int


def fill_cache(cache: PreprocessCache, inputs: ImageInputs, *, workers: int = 4) -> Filled:
    """Decode and store every input that is not cached yet; a warm cache decodes nothing.

    An image whose file is missing or damaged is reported in `failed` and left out of `ok`, so a
    scorer reading `ok` keys afterwards only ever hits the cache.
    """
    missing = [i for i, key in enumerate(inputs.keys) if key not in cache]
    failed: list[tuple[int, str]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            cache.get_or_prepare(inputs.keys[i], inputs.decode)
        except (PixelsUnavailableError, InputError) as exc:
            with lock:
                failed.append((inputs.images[i].pk, str(exc)))

    if missing:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing)))) as pool:
            list(pool.map(one, missing))
    bad = {image_id for image_id, _ in failed}
    ok = [i for i, image in enumerate(inputs.images) if image.pk not in bad]
    return Filled(ok=ok, failed=sorted(failed), decoded=len(missing) - len(failed))


def cached_arrays(
    images: Sequence[Image], *, size: int, corrected: bool = True, workers: int = 4
) -> tuple[list[Image], np.ndarray, list[tuple[int, str]]]:
    """(images that decoded, their uint8 `[N, size, size]` inputs, failures) through the cache."""
    cache = preprocess_cache(size)
    inputs = ImageInputs.of(images, size=size, corrected=corrected)
    filled = fill_cache(cache, inputs, workers=workers)
    keys = [inputs.keys[i] for i in filled.ok]
    arrays = (
        cache.fetch(keys, inputs.decode, workers=workers) if keys else np.zeros((0, size, size), np.uint8)
    )
    return [inputs.images[i] for i in filled.ok], arrays, filled.failed
