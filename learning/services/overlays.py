"""Model overlays of an image: class activation maps (CheXNet) and occlusion maps (OCT), cached.

The heat map of one (image, model version, finding) is computed once from the model input the
scorer uses (through the preprocessing cache, display correction applied), turned back onto the
stored image's orientation so it lies over `/render/`, and kept on disk under
ARBITER_RENDER_CACHE_DIR/overlays/; each requested PNG (alpha, size) is cached beside it. The
model is loaded once per process (learning.services.models.weights) and explained under a lock:
MONAI's CAM hooks the shared model while it runs.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

from annotations.errors import InvalidInputError
from annotations.models import Image
from annotations.selectors.qc_flags import image_display_correction
from learning.bridge.images import image_array, input_key, preprocess_cache, undo_correction_geometry
from learning.models import ModelVersion, Prediction
from learning.services.models.weights import model_checkpoint
from ml.inference.explain import class_activation_map, occlusion_map
from ml.inference.overlay import render_overlay
from ml.nets.checkpoint import atomic_write

DEFAULT_MAX_SIDE = 1024
MAX_SIDE = 4096
_explain_lock = threading.Lock()


def _slug(finding: str) -> str:
    tail = hashlib.sha1(finding.encode()).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9_-]+', '_', finding)[:40]}-{tail}"


def overlay_dir(image: Image, model_version: ModelVersion, correction: dict) -> Path:
    key = input_key(image, correction)
    return (
        Path(settings.ARBITER_RENDER_CACHE_DIR)
        / "overlays"
        / key[:2]
        / key
        / f"mv{model_version.pk}-{model_version.weights_sha256[:12]}"
    )


def default_finding(image: Image, model_version: ModelVersion, labels: tuple[str, ...]) -> str:
    """The finding the model gives the highest probability for this image (its first without scores)."""
    pred = Prediction.objects.filter(image=image, model_version=model_version).only("probabilities").first()
    if pred and pred.probabilities:
        scored = {k: v for k, v in pred.probabilities.items() if k in labels}
        if scored:
            return max(scored, key=scored.get)
    return labels[0]


def heat_map(image: Image, model_version: ModelVersion, finding: str, correction: dict) -> np.ndarray:
    """The [0, 1] heat map at the model's input size, in the stored image's orientation (cached)."""
    path = overlay_dir(image, model_version, correction) / f"{_slug(finding)}.npy"
    if path.is_file():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            pass  # damaged: recompute
    ckpt = model_checkpoint(model_version)
    size = ckpt.spec.input_size
    cache = preprocess_cache(size)
    arr = cache.get_or_prepare(
        input_key(image, correction), lambda _key: image_array(image, size=size, correction=correction)
    )
    explain = class_activation_map if ckpt.spec.multilabel else occlusion_map
    with _explain_lock:
        heat = explain(ckpt.model, arr, finding)
    heat = undo_correction_geometry(heat, correction).astype(np.float32)

    def write(fh) -> None:
        buf = io.BytesIO()
        np.save(buf, heat, allow_pickle=False)
        fh.write(buf.getvalue())

    atomic_write(path, write)
    return heat


def overlay_png(
    image: Image,
    model_version: ModelVersion,
    *,
    finding: str | None = None,
    alpha: float = 0.5,
    size: int | None = None,
) -> tuple[bytes, str]:
    """(PNG bytes of the RGBA overlay, the finding drawn); `size` is the longer side in pixels."""
    labels = tuple((model_version.spec or {}).get("labels") or model_checkpoint(model_version).spec.labels)
    finding = finding or default_finding(image, model_version, labels)
    if finding not in labels:
        raise InvalidInputError(
            f"{model_version.version_tag} does not predict {finding!r}; choose one of {list(labels)}",
            code="unknown_finding",
        )
    if not 0.0 <= alpha <= 1.0:
        raise InvalidInputError("alpha must lie between 0 and 1")
    longest = max(image.rows, image.cols)
    side = size if size is not None else min(longest, DEFAULT_MAX_SIDE)
    if not 8 <= side <= MAX_SIDE:
        raise InvalidInputError(f"size must be between 8 and {MAX_SIDE}")
    width = max(1, round(image.cols * side / longest))
    height = max(1, round(image.rows * side / longest))
    correction = image_display_correction(image.pk)
    png_path = (
        overlay_dir(image, model_version, correction) / f"{_slug(finding)}-a{alpha:.3f}-{width}x{height}.png"
    )
    if png_path.is_file():
        return png_path.read_bytes(), finding
    heat = heat_map(image, model_version, finding, correction)
    data = render_overlay(heat, alpha=alpha, size=(width, height))
    atomic_write(png_path, lambda fh: fh.write(data))
    return data, finding
