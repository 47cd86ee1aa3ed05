"""Stored images -> the uint8 arrays a network takes, for training and evaluation.

A thin layer over the worker's bridge (`learning.bridge.images.cached_arrays`: the shared preprocessing
cache, QC display corrections applied, damaged files reported), which scoring uses too, so a
training run and a re-score read the same cache entries. It keeps the caller's order, says which
images could not be decoded (the caller leaves them out), and loads in chunks with a callback
between them (a training run's heartbeat while it loads a large data set).
"""

from collections.abc import Callable, Sequence

import numpy as np

from annotations.models import Image
from learning.bridge.images import cached_arrays

CHUNK = 512


def model_inputs(
    image_ids: Sequence[int], size: int, *, beat: Callable[[], object] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(`[N, size, size]` uint8 inputs in `image_ids` order, `[N]` bool: pixels were available)."""
    ids = [int(i) for i in image_ids]
    out = np.zeros((len(ids), size, size), dtype=np.uint8)
    ok = np.zeros(len(ids), dtype=bool)
    position = {pk: i for i, pk in enumerate(ids)}
    for lo in range(0, len(ids), CHUNK):
        chunk = ids[lo : lo + CHUNK]
        images = sorted(Image.objects.filter(pk__in=chunk), key=lambda im: position[im.pk])
        loaded, arrays, _failed = cached_arrays(images, size=size)
        for image, arr in zip(loaded, arrays, strict=True):
            out[position[image.pk]] = arr
            ok[position[image.pk]] = True
        if beat is not None:
            beat()
    return out, ok
