"""The left-right mirror head: is this upright film mirrored? Read at twice the orientation net's size.

A mirrored film is the hardest distortion to see: the turns move the whole chest, a mirror only swaps
which side the heart, aortic knob, gastric bubble and the higher hemidiaphragm are on, and when those
are hidden (effusion, consolidation, a heart border lost in the lung) the remaining cues are small: the
laterality marker ("L" reads backwards in a mirror), printed text, a pacemaker or line on its usual
side. At 128 px a marker is three pixels tall; at 256 px it is legible. So this head reads 256 px films
that the orientation net has already turned upright, and answers one question, mirrored or not.

It is antisymmetric by construction: the logit is `f(x) - f(mirror(x))`, so a film and its mirror
always get complementary verdicts (P(mirrored | x) = 1 - P(mirrored | mirror(x))) and the head cannot
call both "upright". Training pairs every film with its mirror; occlusion (random blocks blanked) and
the usual grey-level and small geometric variation stop it leaning on one cue, which is what failed on
films whose heart border is hidden.

Films come in at `size` (256 px, uint8); the orientation net reads the same films pooled 2 x 2
(`half`), so one cached input serves both.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ml.detectors.conv_stages import conv_stages
from ml.detectors.self_training import run_epochs, training_films
from ml.nets.errors import InputError

MIRROR_SIZE = 256
MIRROR_WIDTHS: tuple[int, ...] = (16, 32, 64, 96, 128)


def half(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """uint8 films `[N, 2S, 2S]` -> `[N, S, S]` by 2 x 2 means (rounded): what the orientation net
    reads when the cache holds the mirror head's size. Training and scoring both go through here."""
    t = torch.as_tensor(np.ascontiguousarray(x)) if isinstance(x, np.ndarray) else x
    if t.dim() != 3 or t.shape[-1] % 2 or t.shape[-2] % 2:
        raise InputError(f"expected films [N, 2S, 2S], got {tuple(t.shape)}")
    if not len(t):
        return np.zeros((0, t.shape[1] // 2, t.shape[2] // 2), np.uint8)
    pooled = nn.functional.avg_pool2d(t.float().unsqueeze(1), 2)[:, 0]
    return pooled.add_(0.5).floor_().clamp_(0, 255).to(torch.uint8).numpy()


class MirrorNet(nn.Module):
    """uint8 (or [0, 1] float) upright films `[B, S, S]` -> one score each; the mirror logit of a
    film is `score(x) - score(mirror(x))` (see `mirror_logit`)."""

    def __init__(self, size: int = MIRROR_SIZE, widths: tuple[int, ...] = MIRROR_WIDTHS) -> None:
        super().__init__()
        step = 4 * 2 ** (len(widths) - 1)
        if size % step or size < step:
            raise InputError(f"input size {size} must be a multiple of {step}")
        self.size = int(size)
        self.widths = tuple(int(w) for w in widths)
        # the stem cuts 4 x 4 patches (full-resolution detail, a quarter of the cost), then halves
        self.features, c = conv_stages(self.widths, patch=4)
        side = size // step
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(c * side * side, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != (self.size, self.size):
            raise InputError(f"expected a batch [B, {self.size}, {self.size}], got {tuple(x.shape)}")
        x = x.float() * (1.0 / 255.0) if x.dtype == torch.uint8 else x.float()
        z = self.features(((x - 0.5) * 4.0).unsqueeze(1))
        return self.head(self.dropout(torch.flatten(z, 1)))[:, 0]

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "widths": list(self.widths)}


def mirror_logit(net: MirrorNet, x: torch.Tensor) -> torch.Tensor:
    """log-odds that each upright-turned film of `x` is mirrored: `f(x) - f(mirror(x))`."""
    both = net(torch.cat([x, torch.flip(x, dims=[-1])]))
    return both[: len(x)] - both[len(x) :]


@dataclass(frozen=True)
class MirrorTrainConfig:
    epochs: int = 10
    batch_size: int = 24  # pairs (film and its mirror)
    lr: float = 2e-3
    weight_decay: float = 1e-4
    views_per_film: int = 4
    occlude: float = 0.5  # share of films with a random block blanked
    seed: int = 0
    size: int = MIRROR_SIZE

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.views_per_film < 1:
            raise InputError("epochs, views_per_film must be >= 1 and batch_size >= 2")
        if self.lr <= 0 or not 0.0 <= self.occlude <= 1.0:
            raise InputError("lr must be positive and occlude within [0, 1]")


@dataclass
class MirrorTrainResult:
    net: MirrorNet
    history: list[tuple[int, float, float]] = field(default_factory=list)  # (epoch, loss, seconds)
    cancelled: bool = False
    seconds: float = 0.0
    n_films: int = 0


def augment_mirror(x: torch.Tensor, gen: torch.Generator, occlude: float) -> torch.Tensor:
    """uint8 `[B, S, S]` -> float [0, 1]: gamma, contrast, noise, a small turn / zoom / shift, and
    on a share `occlude` of films a random block set to the film's mean grey (hides one cue)."""
    b, s = x.shape[0], x.shape[-1]
    x = x.float() / 255.0
    gamma = torch.exp(torch.randn(b, 1, 1, generator=gen) * 0.25)
    x = x.clamp(1e-4, 1.0) ** gamma
    contrast = 1.0 + torch.randn(b, 1, 1, generator=gen) * 0.15
    x = ((x - 0.5) * contrast + 0.5).clamp(0.0, 1.0)
    angle = (torch.rand(b, generator=gen) - 0.5) * (2 * math.pi * 10 / 360)  # +- 5 degrees
    scale = 1.0 + (torch.rand(b, generator=gen) - 0.5) * 0.24
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = scale * torch.cos(angle)
    theta[:, 0, 1] = -scale * torch.sin(angle)
    theta[:, 1, 0] = scale * torch.sin(angle)
    theta[:, 1, 1] = scale * torch.cos(angle)
    theta[:, :, 2] = (torch.rand(b, 2, generator=gen) - 0.5) * 0.16
    grid = nn.functional.affine_grid(theta, [b, 1, s, s], align_corners=False)
    x = nn.functional.grid_sample(x.unsqueeze(1), grid, padding_mode="border", align_corners=False)[:, 0]
    x = x + torch.randn(x.shape, generator=gen) * (torch.rand(b, 1, 1, generator=gen) * 0.03)
    if occlude > 0:
        mean = x.mean(dim=(1, 2))
        for i in torch.nonzero(torch.rand(b, generator=gen) < occlude)[:, 0].tolist():
            h, w = (torch.randint(s // 8, s // 2, (2,), generator=gen)).tolist()
            top = int(torch.randint(0, s - h + 1, (1,), generator=gen))
            left = int(torch.randint(0, s - w + 1, (1,), generator=gen))
            x[i, top : top + h, left : left + w] = mean[i]
    return x.clamp(0.0, 1.0)


def train_mirror(
    films: np.ndarray,
    *,
    config: MirrorTrainConfig = MirrorTrainConfig(),
    init: MirrorNet | None = None,
    progress: Callable[[int, int, float, float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> MirrorTrainResult:
    """Train on upright, unmirrored uint8 films `[N, S, S]`: each step shows films, some mirrored,
    and asks which (the antisymmetric logit sees the film and its mirror together)."""
    films = training_films(films, config.size)
    torch.manual_seed(config.seed)
    net = init if init is not None else MirrorNet(config.size)
    gen = torch.Generator().manual_seed(config.seed)
    data = torch.from_numpy(films)

    def step() -> torch.Tensor:
        idx = torch.randint(0, len(films), (config.batch_size,), generator=gen)
        mirrored = torch.rand(config.batch_size, generator=gen) < 0.5
        x = augment_mirror(data[idx], gen, config.occlude)
        x = torch.where(mirrored[:, None, None], torch.flip(x, dims=[-1]), x)
        return nn.functional.binary_cross_entropy_with_logits(mirror_logit(net, x), mirrored.float())

    loop = run_epochs(
        net,
        step,
        epochs=config.epochs,
        steps_per_epoch=max(1, len(films) * config.views_per_film // config.batch_size),
        lr=config.lr,
        weight_decay=config.weight_decay,
        progress=(lambda r: progress(r.epoch, r.epochs, r.loss, r.seconds)) if progress is not None else None,
        should_cancel=should_cancel,
    )
    return MirrorTrainResult(
        net=net,
        history=[(r.epoch, r.loss, r.seconds) for r in loop.history],
        cancelled=loop.cancelled,
        seconds=loop.seconds,
        n_films=len(films),
    )
