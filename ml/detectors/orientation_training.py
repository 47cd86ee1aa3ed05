"""Training the orientation / inversion net, self-supervised, from films assumed upright and normal.

Each batch draws films, varies them as real films vary (gamma, contrast, a little zoom and shift),
then turns / mirrors each by a random element of the dihedral group and inverts half of them; the
net learns to name both. The same function fine-tunes a net (start from `init`, a lower rate, fewer
epochs). The loop itself (optimiser, schedule, progress once per epoch, `should_cancel` asked
between batches) is `self_training.run_epochs`, shared with the mirror and marker heads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ml.detectors.dihedral import N_ORIENTATIONS, apply_torch
from ml.detectors.orientation_net import DEFAULT_SIZE, OrientationNet
from ml.detectors.self_training import EpochReport, run_epochs, training_films
from ml.nets.errors import InputError


@dataclass(frozen=True)
class OrientationTrainConfig:
    epochs: int = 24
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-4
    views_per_film: int = 8  # samples drawn per film per epoch
    seed: int = 0
    size: int = DEFAULT_SIZE

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.views_per_film < 1:
            raise InputError("epochs, views_per_film must be >= 1 and batch_size >= 2")
        if self.lr <= 0:
            raise InputError("lr must be positive")


@dataclass
class OrientationTrainResult:
    net: OrientationNet
    history: list[EpochReport] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    n_films: int = 0


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Photometric and small geometric variation of a uint8 batch `[B, S, S]` -> float in [0, 1]
    (the scale the net reads uint8 films at, so training and scoring see the same numbers)."""
    b, s = x.shape[0], x.shape[-1]
    x = x.float() / 255.0
    gamma = torch.exp(torch.randn(b, 1, 1, generator=gen) * 0.25)
    x = x.clamp(1e-4, 1.0) ** gamma
    contrast = 1.0 + torch.randn(b, 1, 1, generator=gen) * 0.15
    x = ((x - 0.5) * contrast + 0.5).clamp(0.0, 1.0)
    theta = torch.zeros(b, 2, 3)
    scale = 1.0 + (torch.rand(b, generator=gen) - 0.5) * 0.2
    theta[:, 0, 0] = scale
    theta[:, 1, 1] = scale
    theta[:, :, 2] = (torch.rand(b, 2, generator=gen) - 0.5) * 0.12
    grid = nn.functional.affine_grid(theta, [b, 1, s, s], align_corners=False)
    x = nn.functional.grid_sample(x.unsqueeze(1), grid, padding_mode="border", align_corners=False)[:, 0]
    return x.clamp(0.0, 1.0)


def distort_batch(x: torch.Tensor, g: torch.Tensor, inv: torch.Tensor) -> torch.Tensor:
    """Invert where `inv`, then turn / mirror each film `x[i]` by element `g[i]` (float in [0, 1])."""
    x = torch.where(inv[:, None, None], 1.0 - x, x)
    out = torch.empty_like(x)
    for e in range(N_ORIENTATIONS):
        sel = g == e
        if sel.any():
            out[sel] = apply_torch(x[sel], e)
    return out


def train_orientation(
    films: np.ndarray,
    *,
    config: OrientationTrainConfig = OrientationTrainConfig(),
    init: OrientationNet | None = None,
    progress: Callable[[EpochReport], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> OrientationTrainResult:
    """Train (or fine-tune `init`) on uint8 films `[N, S, S]` assumed upright and not inverted."""
    films = training_films(films, config.size)
    torch.manual_seed(config.seed)
    net = init if init is not None else OrientationNet(config.size)
    if net.size != config.size:
        raise InputError(f"the net takes {net.size} px films, the config says {config.size}")
    gen = torch.Generator().manual_seed(config.seed)
    data = torch.from_numpy(films)

    def step() -> torch.Tensor:
        idx = torch.randint(0, len(films), (config.batch_size,), generator=gen)
        g = torch.randint(0, N_ORIENTATIONS, (config.batch_size,), generator=gen)
        inv = torch.rand(config.batch_size, generator=gen) < 0.5
        x = distort_batch(augment(data[idx], gen), g, inv)
        logits, inv_logits = net(x)
        return nn.functional.cross_entropy(logits, g) + nn.functional.cross_entropy(inv_logits, inv.long())

    loop = run_epochs(
        net,
        step,
        epochs=config.epochs,
        steps_per_epoch=max(1, len(films) * config.views_per_film // config.batch_size),
        lr=config.lr,
        weight_decay=config.weight_decay,
        progress=progress,
        should_cancel=should_cancel,
    )
    return OrientationTrainResult(
        net=net, history=loop.history, cancelled=loop.cancelled, seconds=loop.seconds, n_films=len(films)
    )
