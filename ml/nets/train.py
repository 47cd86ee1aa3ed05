"""The generic training loop: Adam, BCE or CE, ReduceLROnPlateau, early stopping on validation AUROC.

As in CheXNet (Rajpurkar et al. 2017): Adam with lr 1e-3 and betas (0.9, 0.999), random horizontal
flips, and the learning rate divided by 10 when the validation metric plateaus. The metric is the
macro AUROC over findings with both classes present (ties broken by lower validation loss); training
stops after `early_stopping_patience` epochs without improvement and the best epoch's weights are
restored.

Inputs are arrays: images `[N, S, S]` (uint8 or float in [0, 1]) for an `ArbiterNet`, or any feature
arrays `[N, D]` for a bare head (the OCT bottleneck transfer). Targets are multi-hot float `[N, C]`
(optionally with a 0/1 `mask` of known labels, for U-Ignore) or class indices `[N]`. A `batch_transform`
replaces the default flip augmentation (the self-supervised detectors rotate and invert there). The
`progress` callback gets an `EpochProgress` after every epoch; `should_cancel` is polled between
batches and stops the run (the best weights so far are kept and the result says `cancelled`).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ml.nets.device import resolve_device
from ml.nets.errors import InputError, SpecError
from ml.nets.metrics import accuracy, auroc_report

BatchTransform = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (JSON-serialisable via `to_dict`)."""

    epochs: int = 10
    batch_size: int = 16  # CheXNet used minibatches of 16
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    weight_decay: float = 0.0
    early_stopping_patience: int = 3
    lr_factor: float = 0.1
    lr_patience: int = 1
    min_delta: float = 1e-4
    hflip: bool = True
    seed: int = 0
    eval_batch_size: int = 256

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2:
            raise SpecError("epochs must be >= 1 and batch_size >= 2 (batch norm needs two samples)")
        if not (self.lr > 0 and 0 < self.lr_factor < 1):
            raise SpecError("lr must be positive and lr_factor in (0, 1)")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "betas" in known:
            known["betas"] = tuple(known["betas"])
        try:
            return cls(**known)
        except TypeError as exc:
            raise SpecError(f"malformed training config: {exc}") from exc


@dataclass(frozen=True)
class LabelledArrays:
    """Inputs with their targets (and, for multi-label data, an optional mask of known labels)."""

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise InputError(f"{len(self.x)} inputs but {len(self.y)} targets")
        if self.mask is not None and self.mask.shape != self.y.shape:
            raise InputError(f"mask shape {self.mask.shape} differs from target shape {self.y.shape}")

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class EpochProgress:
    epoch: int  # 1-based
    epochs: int
    train_loss: float
    val_loss: float
    val_auroc: float
    val_accuracy: float | None
    lr: float
    improved: bool
    seconds: float


@dataclass
class FitResult:
    history: list[EpochProgress] = field(default_factory=list)
    best_epoch: int = 0
    best_auroc: float = math.nan
    best_accuracy: float | None = None
    per_label_auroc: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False
    cancelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hflip_transform(p: float = 0.5) -> BatchTransform:
    """Flip each image left-right with probability `p` (CheXNet's augmentation)."""

    def apply(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        flip = torch.rand(x.shape[0], generator=gen) < p
        if flip.any():
            x = x.clone()
            x[flip] = torch.flip(x[flip], dims=[-1])
        return x, y

    return apply


def _loss(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None, multilabel: bool) -> torch.Tensor:
    if not multilabel:
        return F.cross_entropy(logits, y.long())
    per = F.binary_cross_entropy_with_logits(logits, y.float(), reduction="none")
    if mask is None:
        return per.mean()
    m = mask.float()
    return (per * m).sum() / m.sum().clamp_min(1.0)


@torch.no_grad()
def predict_logits(
    model: nn.Module, x: np.ndarray, *, batch_size: int = 256, device: torch.device | None = None
) -> torch.Tensor:
    """Logits for `x` in eval mode (fp32, on the CPU), in batches; the model's mode is restored."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    outs = [
        model(torch.from_numpy(np.ascontiguousarray(x[lo : lo + batch_size])).to(device)).float().cpu()
        for lo in range(0, len(x), batch_size)
    ]
    model.train(was_training)
    return torch.cat(outs)


def activate(logits: torch.Tensor, multilabel: bool) -> torch.Tensor:
    return torch.sigmoid(logits) if multilabel else torch.softmax(logits, 1)


def fit(
    model: nn.Module,
    train: LabelledArrays,
    val: LabelledArrays,
    config: TrainConfig,
    *,
    labels: tuple[str, ...],
    multilabel: bool,
    batch_transform: BatchTransform | None = None,
    progress: Callable[[EpochProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    device: str | torch.device = "cpu",
) -> FitResult:
    """Train `model` in place (best epoch's weights restored) and return its history and metrics."""
    if len(train) < 2 or len(val) < 1:
        raise InputError("training needs at least two training and one validation example")
    dev = resolve_device(device)
    if batch_transform is None and config.hflip and train.x.ndim == 3:
        batch_transform = hflip_transform()
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(config.seed)
        return _fit(
            model, train, val, config, labels, multilabel, batch_transform, progress, should_cancel, dev
        )


def _fit(
    model: nn.Module,
    train: LabelledArrays,
    val: LabelledArrays,
    config: TrainConfig,
    labels: tuple[str, ...],
    multilabel: bool,
    batch_transform: BatchTransform | None,
    progress: Callable[[EpochProgress], None] | None,
    should_cancel: Callable[[], bool] | None,
    dev: torch.device,
) -> FitResult:
    model.to(dev)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise InputError("the model has no trainable parameters")
    opt = torch.optim.Adam(params, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=config.lr_factor, patience=config.lr_patience, threshold=config.min_delta
    )
    gen = torch.Generator().manual_seed(config.seed)
    x_all = torch.from_numpy(np.ascontiguousarray(train.x))
    y_all = torch.from_numpy(np.ascontiguousarray(train.y))
    m_all = None if train.mask is None else torch.from_numpy(np.ascontiguousarray(train.mask))

    result = FitResult()
    best_state: dict[str, torch.Tensor] | None = None
    best_key = (-math.inf, -math.inf)
    stale = 0
    n = len(train)
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=gen)
        total, seen = 0.0, 0
        for lo in range(0, n, config.batch_size):
            idx = order[lo : lo + config.batch_size]
            if len(idx) < 2:  # batch norm cannot train on a single sample
                continue
            if should_cancel is not None and should_cancel():
                result.cancelled = True
                break
            xb, yb = x_all[idx], y_all[idx]
            if batch_transform is not None:
                xb, yb = batch_transform(xb, yb, gen)
            mb = None if m_all is None else m_all[idx].to(dev)
            loss = _loss(model(xb.to(dev)), yb.to(dev), mb, multilabel)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
        if result.cancelled:
            break

        logits = predict_logits(model, val.x, batch_size=config.eval_batch_size, device=dev)
        vmask = None if val.mask is None else torch.from_numpy(val.mask)
        with torch.no_grad():
            val_loss = float(_loss(logits, torch.from_numpy(val.y), vmask, multilabel))
        probs = activate(logits, multilabel).numpy()
        report = auroc_report(val.y, probs, labels, multilabel=multilabel, mask=val.mask)
        acc = None if multilabel else accuracy(val.y, probs)
        metric = report.macro if not math.isnan(report.macro) else -val_loss
        improved = metric > best_key[0] + config.min_delta or (
            metric >= best_key[0] - 1e-9 and -val_loss > best_key[1]
        )
        if improved:
            best_key = (max(metric, best_key[0]), -val_loss)
            best_state = copy.deepcopy(model.state_dict())
            result.best_epoch, result.best_auroc, result.best_accuracy = epoch, report.macro, acc
            result.per_label_auroc = report.per_label
            stale = 0
        else:
            stale += 1
        sched.step(metric)
        entry = EpochProgress(
            epoch=epoch,
            epochs=config.epochs,
            train_loss=total / max(seen, 1),
            val_loss=val_loss,
            val_auroc=report.macro,
            val_accuracy=acc,
            lr=float(opt.param_groups[0]["lr"]),
            improved=improved,
            seconds=time.perf_counter() - t0,
        )
        result.history.append(entry)
        if progress is not None:
            progress(entry)
        if stale >= config.early_stopping_patience and epoch < config.epochs:
            result.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return result
