"""The training loop the self-supervised detectors share.

The orientation net, the mirror head and the marker head all learn the same way: films assumed
upright and normal are drawn at random, varied, distorted by a known amount, and the net is asked to
name the distortion. Only the batch differs, so each trainer hands this loop a `step` that draws its
batch (from the loop's seeded generator) and returns the loss; the loop owns the rest: AdamW with a
one-cycle schedule over `epochs x steps`, a cancel check between batches, one progress report per
epoch, and a clear error when the loss stops being finite.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ml.nets.errors import InputError


@dataclass(frozen=True)
class EpochReport:
    epoch: int
    epochs: int
    loss: float
    seconds: float


@dataclass(frozen=True)
class LoopResult:
    history: list[EpochReport]
    cancelled: bool
    seconds: float


def training_films(films: np.ndarray, size: int) -> np.ndarray:
    """The films a trainer draws from, checked: uint8 `[N, size, size]`, at least two of them;
    contiguous, so that `torch.from_numpy` shares them."""
    films = np.asarray(films)
    if films.ndim != 3 or films.dtype != np.uint8 or films.shape[1:] != (size, size):
        raise InputError(f"expected uint8 films [N, {size}, {size}], got {films.dtype} {films.shape}")
    if len(films) < 2:
        raise InputError(f"need at least 2 films to train, got {len(films)}")
    return np.ascontiguousarray(films)


def run_epochs(
    net: nn.Module,
    step: Callable[[], torch.Tensor],
    *,
    epochs: int,
    steps_per_epoch: int,
    lr: float,
    weight_decay: float,
    progress: Callable[[EpochReport], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> LoopResult:
    """Train `net` for `epochs` of `steps_per_epoch` calls of `step` (each returns one batch's loss);
    leaves the net in eval mode. A cancelled run keeps the epochs it finished."""
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * steps_per_epoch)
    history: list[EpochReport] = []
    cancelled = False
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        net.train()
        total, t_epoch = 0.0, time.perf_counter()
        for _ in range(steps_per_epoch):
            if should_cancel is not None and should_cancel():
                cancelled = True
                break
            loss = step()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.item())
        if cancelled:
            break
        report = EpochReport(epoch, epochs, total / steps_per_epoch, time.perf_counter() - t_epoch)
        if not math.isfinite(report.loss):
            raise InputError("training diverged (loss is not finite)")
        history.append(report)
        if progress is not None:
            progress(report)
    net.eval()
    return LoopResult(history, cancelled, time.perf_counter() - t0)
