"""Model weight files of the registry: registering a trained model, finding and loading its file.

`model_version_register` writes the weights atomically (temp file, fsync, rename: a process killed
mid-write leaves no half file) under ARBITER_MODEL_DIR/ds<dataset>/, records their SHA-256 and adds
the next-numbered ModelVersion of that kind, optionally as production (the previous production
version of the kind is retired in the same transaction). `model_checkpoint` loads a version's
checkpoint once per process (keyed by version id and weights hash, so replaced weights reload) and
refuses a file whose hash differs from the registry's. Paths are stored relative to
ARBITER_MODEL_DIR, so every machine that mounts the model directory finds the same file.
"""

from __future__ import annotations

import hashlib
import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from annotations.errors import ConflictError, DomainError
from annotations.models import Dataset
from annotations.models.choices import ModelStatus
from learning.models import ModelVersion
from ml.nets.checkpoint import Checkpoint, load_checkpoint
from ml.nets.errors import CheckpointError

LOADED_MAX = 4


class ModelFileError(DomainError):
    """A model version's weights file is missing, damaged or not the file the registry recorded."""

    code = "model_file_unavailable"
    http_status = 409


def model_dir() -> Path:
    return Path(settings.ARBITER_MODEL_DIR)


def model_weights_path(model_version: ModelVersion) -> Path:
    """Absolute path of the version's weights (stored relative to ARBITER_MODEL_DIR)."""
    p = Path(model_version.weights_path)
    return p if p.is_absolute() else model_dir() / p


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def json_safe(value: Any) -> Any:
    """`value` with NaN / infinite floats as None (JSON, and PostgreSQL's jsonb, have no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_safe(value.item())
    return value


def model_version_register(
    *,
    dataset: Dataset,
    kind: str,
    write: Callable[[Path], None],
    spec: dict[str, Any],
    metrics: dict[str, Any] | None = None,
    production: bool = False,
    training_run=None,
) -> ModelVersion:
    """Write the weights with `write(path)` (atomically: use save_checkpoint or detector.save) and add
    the next ModelVersion of `kind` for `dataset`; with `production`, it replaces the current one."""
    rel = Path(f"ds{dataset.pk}") / f"{kind}-{uuid.uuid4().hex[:12]}.pt"
    path = model_dir() / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path)
    digest = sha256_file(path)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = (
                    ModelVersion.objects.filter(dataset=dataset, kind=kind).aggregate(n=Max("number"))["n"]
                    or 0
                ) + 1
                if production:
                    ModelVersion.objects.filter(
                        dataset=dataset, kind=kind, status=ModelStatus.PRODUCTION
                    ).update(status=ModelStatus.RETIRED)
                return ModelVersion.objects.create(
                    dataset=dataset,
                    kind=kind,
                    number=number,
                    status=ModelStatus.PRODUCTION if production else ModelStatus.CANDIDATE,
                    spec=spec,
                    metrics=json_safe(metrics or {}),
                    weights_path=str(rel),
                    weights_sha256=digest,
                    training_run=training_run,
                    promoted_at=timezone.now() if production else None,
                )
        except IntegrityError:  # another process took the number (or production) meanwhile: retry
            continue
    raise ConflictError(f"could not register a {kind} model for dataset {dataset.slug!r}: try again")


def production_model(dataset: Dataset | int, kinds: tuple[str, ...]) -> ModelVersion | None:
    """The dataset's production model of one of `kinds` (the newest if several kinds have one)."""
    return (
        ModelVersion.objects.filter(dataset=dataset, kind__in=kinds, status=ModelStatus.PRODUCTION)
        .order_by("-promoted_at", "-id")
        .first()
    )


_loaded: OrderedDict[tuple[int, str], Checkpoint] = OrderedDict()
_loaded_lock = threading.Lock()


def model_checkpoint(model_version: ModelVersion) -> Checkpoint:
    """The version's checkpoint (CPU, eval), loaded once per process and hash-checked on load."""
    key = (model_version.pk, model_version.weights_sha256)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    path = model_weights_path(model_version)
    if not path.is_file():
        raise ModelFileError(
            f"the weights of {model_version.version_tag} are missing ({path.name}); "
            "restore the model directory or register the model again"
        )
    if model_version.weights_sha256 and sha256_file(path) != model_version.weights_sha256:
        raise ModelFileError(
            f"the weights file of {model_version.version_tag} is not the one registered (hash differs)"
        )
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as exc:
        raise ModelFileError(f"{model_version.version_tag}: {exc}") from exc
    with _loaded_lock:
        _loaded[key] = ckpt
        while len(_loaded) > LOADED_MAX:
            _loaded.popitem(last=False)
    return ckpt


def model_checkpoints_forget() -> None:
    """Drop every checkpoint this process holds (frees memory; the next use reloads from disk)."""
    with _loaded_lock:
        _loaded.clear()
