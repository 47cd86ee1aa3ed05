"""Arbiter checkpoints: weights + `ModelSpec` + JSON metadata in one file, written atomically.

`save_checkpoint` writes to a temporary file in the target's directory, flushes and fsyncs it, then
renames it over the target (`os.replace`, atomic on POSIX) and fsyncs the directory, so a process killed
at any moment leaves either the previous file or the complete new one, never half a model. Files are
read back with `torch.load(weights_only=True)`: only tensors, strings and numbers, no pickled code.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ml.nets.errors import CheckpointError, SpecError
from ml.nets.model import ArbiterNet, build_model
from ml.nets.spec import ModelSpec

FORMAT = "arbiter-model"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: the rebuilt model (eval mode, on CPU), its spec and its metadata."""

    model: ArbiterNet
    spec: ModelSpec
    metadata: dict[str, Any]


def atomic_write(path: str | Path, write: Any) -> None:
    """Call `write(fileobj)` on a temp file beside `path`, fsync, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(
        OSError
    ):  # directory fsync makes the rename durable; not all filesystems allow it
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def save_checkpoint(path: str | Path, model: ArbiterNet, metadata: dict[str, Any] | None = None) -> None:
    """Write `model`'s weights, spec and JSON-serialisable `metadata` atomically to `path`."""
    try:
        meta_json = json.dumps(metadata or {}, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint metadata must be JSON-serialisable: {exc}") from exc
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec": model.spec.to_json(),
        "metadata": meta_json,
        "state_dict": state,
    }
    atomic_write(path, lambda fh: torch.save(payload, fh))


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Rebuild the model saved by `save_checkpoint` (CPU, eval mode)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(
            f"{path.name} is not a readable checkpoint ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(
            f"{path.name} is not an Arbiter checkpoint (use load_pretrained for external weights)"
        )
    if payload.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path.name} has checkpoint format {payload.get('format_version')}, expected 1"
        )
    try:
        spec = ModelSpec.from_json(payload["spec"])
    except SpecError as exc:
        raise CheckpointError(f"{path.name} holds a bad model spec: {exc}") from exc
    model = build_model(spec)
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path.name}: weights do not match its own spec: {exc}") from exc
    model.eval()
    return Checkpoint(model=model, spec=spec, metadata=json.loads(payload["metadata"]))
