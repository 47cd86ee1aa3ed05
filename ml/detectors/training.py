"""Training the bad-image detectors from a dataset's own images.

Rotation and inversion are learned self-supervised: the dataset's images (assumed upright and
normal, as nearly all are) are rotated by 0/90/180/270 degrees or inverted on the fly, and the network
learns to name the transform. Each is also augmented with the other's transform (and left-right
flips) so that it still works on images that are both rotated and inverted. The view / body-part
classifier learns from confirmed examples (frontal / lateral / other).

Reviewed QC flags feed the next run through `LabelledExamples`: an image whose rotation (or
inversion) a person confirmed is turned back to upright (or re-inverted) and joins the pool; an image
whose flag was rejected joins it as it is. Validation holds out a fraction of the pool and applies
every transform to it, so the reported accuracy is on images the network never trained on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ml.detectors.detector import ImageDetector, InversionDetector, RotationDetector, ViewClassifier
from ml.inference.preprocess import prepare_batch
from ml.nets.errors import InputError
from ml.nets.model import build_model
from ml.nets.spec import ROTATION_LABELS, VIEW_LABELS, SizeConfig, detector_spec
from ml.nets.train import EpochProgress, LabelledArrays, TrainConfig, fit

Images = np.ndarray | Sequence[np.ndarray]

DEFAULT_DETECTOR_CONFIG = TrainConfig(epochs=8, batch_size=32, early_stopping_patience=3, hflip=False)


@dataclass(frozen=True)
class LabelledExamples:
    """Reviewed images and their true labels: rotation degrees (0/90/180/270), inversion (0/1),
    or view names (frontal / lateral / other)."""

    images: Images
    labels: Sequence[int | str]

    def __post_init__(self) -> None:
        if len(self.images) != len(self.labels):
            raise InputError(f"{len(self.images)} labelled images but {len(self.labels)} labels")


@dataclass
class TrainedDetector:
    detector: ImageDetector
    metrics: dict[str, Any] = field(default_factory=dict)


def rotate_batch(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Turn each square image `x[i]` by `k[i]` quarter turns counter-clockwise (as numpy.rot90)."""
    out = x.clone()
    for r in (1, 2, 3):
        sel = k == r
        if sel.any():
            out[sel] = torch.rot90(x[sel], r, dims=(-2, -1))
    return out


def invert_batch(x: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    out = x.clone()
    out[which] = (255 - x[which]) if x.dtype == torch.uint8 else (1.0 - x[which])
    return out


def _self_supervised_transform(task: str, cross_p: float = 0.5) -> Callable:
    def apply(x: torch.Tensor, _y: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        b = x.shape[0]
        flip = torch.rand(b, generator=gen) < 0.5
        if flip.any():
            x = x.clone()
            x[flip] = torch.flip(x[flip], dims=[-1])
        rot = torch.randint(0, 4, (b,), generator=gen)
        inv = torch.rand(b, generator=gen) < 0.5
        if task == "rotation":
            x = invert_batch(x, torch.rand(b, generator=gen) < cross_p)
            return rotate_batch(x, rot), rot
        x = rotate_batch(x, torch.where(torch.rand(b, generator=gen) < cross_p, rot, torch.zeros_like(rot)))
        return invert_batch(x, inv), inv.long()

    return apply


def _canonical_pool(task: str, images: Images, size: int, reviewed: LabelledExamples | None) -> np.ndarray:
    pool = prepare_batch(images, size, "uint8")
    if reviewed is None or len(reviewed.images) == 0:
        return pool
    extra = prepare_batch(reviewed.images, size, "uint8")
    fixed = []
    for img, label in zip(extra, reviewed.labels, strict=True):
        if task == "rotation":
            deg = int(label)
            if deg not in (0, 90, 180, 270):
                raise InputError(f"rotation labels are 0, 90, 180 or 270 degrees, got {label!r}")
            fixed.append(np.rot90(img, -(deg // 90)))
        else:
            if int(label) not in (0, 1):
                raise InputError(f"inversion labels are 0 (normal) or 1 (inverted), got {label!r}")
            fixed.append(255 - img if int(label) else img)
    return np.concatenate([pool, np.ascontiguousarray(np.stack(fixed))])


def _split(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if not 0.0 < val_fraction < 1.0:
        raise InputError("val_fraction must lie in (0, 1)")
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, round(n * val_fraction))
    if n - n_val < 2:
        raise InputError(f"need at least {n_val + 2} images to train and validate, got {n}")
    return order[n_val:], order[:n_val]


def _all_transforms(task: str, val: np.ndarray) -> LabelledArrays:
    if task == "rotation":
        xs = [np.rot90(val, k, axes=(1, 2)) for k in range(4)]
        ys = [np.full(len(val), k, np.int64) for k in range(4)]
    else:
        xs = [val, 255 - val]
        ys = [np.zeros(len(val), np.int64), np.ones(len(val), np.int64)]
    return LabelledArrays(np.ascontiguousarray(np.concatenate(xs)), np.concatenate(ys))


def train_self_supervised(
    task: str,
    images: Images,
    *,
    reviewed: LabelledExamples | None = None,
    size: str | SizeConfig = "tiny",
    config: TrainConfig = DEFAULT_DETECTOR_CONFIG,
    val_fraction: float = 0.2,
    threshold: float = 0.5,
    progress: Callable[[EpochProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    device: str = "cpu",
) -> TrainedDetector:
    """Train the `rotation` or `inversion` detector from unlabelled (assumed upright, normal) images."""
    if task not in ("rotation", "inversion"):
        raise InputError(f"self-supervised detectors are 'rotation' or 'inversion', got {task!r}")
    spec = detector_spec(task, size)
    pool = _canonical_pool(task, images, spec.input_size, reviewed)
    tr, va = _split(len(pool), val_fraction, config.seed)
    train = LabelledArrays(pool[tr], np.zeros(len(tr), np.int64))
    val = _all_transforms(task, pool[va])
    model = build_model(spec, seed=config.seed)
    result = fit(
        model,
        train,
        val,
        config,
        labels=spec.labels,
        multilabel=False,
        batch_transform=_self_supervised_transform(task),
        progress=progress,
        should_cancel=should_cancel,
        device=device,
    )
    metrics = _metrics(result, len(tr), len(val))
    cls = RotationDetector if task == "rotation" else InversionDetector
    return TrainedDetector(cls(model=model.cpu(), threshold=threshold, metrics=metrics), metrics)


def train_rotation_detector(images: Images, **kwargs: Any) -> TrainedDetector:
    """Self-supervised 4-way rotation detector (see `train_self_supervised` for the options)."""
    return train_self_supervised("rotation", images, **kwargs)


def train_inversion_detector(images: Images, **kwargs: Any) -> TrainedDetector:
    """Self-supervised inversion detector (see `train_self_supervised` for the options)."""
    return train_self_supervised("inversion", images, **kwargs)


def train_view_classifier(
    images: Images,
    labels: Sequence[str],
    *,
    reviewed: LabelledExamples | None = None,
    size: str | SizeConfig = "tiny",
    config: TrainConfig = DEFAULT_DETECTOR_CONFIG,
    val_fraction: float = 0.2,
    threshold: float = 0.5,
    progress: Callable[[EpochProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    device: str = "cpu",
) -> TrainedDetector:
    """Frontal / lateral / other body part, from confirmed examples (plus `reviewed` QC flags).

    Images are augmented with left-right flips (a flipped frontal film is still frontal).
    """
    spec = detector_spec("view", size)
    all_images = list(images) + (list(reviewed.images) if reviewed else [])
    all_labels = list(labels) + (list(reviewed.labels) if reviewed else [])
    if len(all_images) != len(all_labels):
        raise InputError(f"{len(all_images)} images but {len(all_labels)} view labels")
    unknown = sorted({str(v) for v in all_labels} - set(VIEW_LABELS))
    if unknown:
        raise InputError(f"unknown view labels {unknown}; use {VIEW_LABELS}")
    x = prepare_batch(all_images, spec.input_size, "uint8")
    y = np.array([VIEW_LABELS.index(str(v)) for v in all_labels], np.int64)
    tr, va = _split(len(x), val_fraction, config.seed)
    model = build_model(spec, seed=config.seed)
    result = fit(
        model,
        LabelledArrays(x[tr], y[tr]),
        LabelledArrays(x[va], y[va]),
        TrainConfig.from_dict({**config.to_dict(), "hflip": True}),
        labels=spec.labels,
        multilabel=False,
        progress=progress,
        should_cancel=should_cancel,
        device=device,
    )
    metrics = _metrics(result, len(tr), len(va))
    return TrainedDetector(ViewClassifier(model=model.cpu(), threshold=threshold, metrics=metrics), metrics)


def _metrics(result: Any, n_train: int, n_val: int) -> dict[str, Any]:
    return {
        "val_accuracy": result.best_accuracy,
        "val_auroc": result.best_auroc,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "stopped_early": result.stopped_early,
        "cancelled": result.cancelled,
        "n_train": n_train,
        "n_val": n_val,
        "history": [
            {"epoch": e.epoch, "train_loss": e.train_loss, "val_loss": e.val_loss, "val_auroc": e.val_auroc}
            for e in result.history
        ],
    }


__all__ = [
    "ROTATION_LABELS",
    "LabelledExamples",
    "TrainedDetector",
    "invert_batch",
    "rotate_batch",
    "train_inversion_detector",
    "train_rotation_detector",
    "train_self_supervised",
    "train_view_classifier",
]
