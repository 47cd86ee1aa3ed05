"""The eight ways a film can be turned or mirrored (the dihedral group D4), and how to undo each.

An element `g` (0..7) is `flip = g // 4` then `k = g % 4`: the upright film is first mirrored left-right
when `flip`, then turned `k` quarter turns counter-clockwise (as `numpy.rot90` turns). So 0 is upright,
1..3 are the 90 / 180 / 270 degree rotations, 4 a left-right mirror (heart on the wrong side), 6 a
top-bottom mirror, and 5 / 7 the two diagonal mirrors (a mirror plus a quarter turn).

The fix for `g` is its inverse, stated as a renderer applies it: turn `90 * k` degrees clockwise,
then mirror left-right when `flip`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

N_ORIENTATIONS = 8
UPRIGHT = 0
NAMES: tuple[str, ...] = (
    "upright",
    "rotated 90° counter-clockwise",
    "rotated 180°",
    "rotated 90° clockwise",
    "mirrored left-right",
    "mirrored across the diagonal",
    "mirrored top-bottom",
    "mirrored across the anti-diagonal",
)
#: The named distortions of issue #15 and their group element.
DISTORTIONS: dict[str, int] = {"rot90": 1, "rot180": 2, "rot270": 3, "hflip": 4, "vflip": 6}


def apply_np(image: np.ndarray, g: int) -> np.ndarray:
    """`image` (…, H, W) turned / mirrored by element `g`."""
    flip, k = divmod(int(g), 4)
    out = image[..., ::-1] if flip else image
    return np.ascontiguousarray(np.rot90(out, k, axes=(-2, -1)))


def apply_torch(x: torch.Tensor, g: int) -> torch.Tensor:
    """A batch `[..., H, W]` turned / mirrored by element `g` (square images keep their shape)."""
    flip, k = divmod(int(g), 4)
    if flip:
        x = torch.flip(x, dims=[-1])
    return torch.rot90(x, k, dims=(-2, -1)) if k else x


def _table() -> np.ndarray:
    probe = np.arange(9).reshape(3, 3)
    images = [apply_np(probe, g) for g in range(N_ORIENTATIONS)]

    def index(a: np.ndarray) -> int:
        return next(i for i, b in enumerate(images) if np.array_equal(a, b))

    return np.array(
        [[index(apply_np(images[g], h)) for g in range(N_ORIENTATIONS)] for h in range(N_ORIENTATIONS)]
    )


#: COMPOSE[h, g] is the element "first g, then h".
COMPOSE: np.ndarray = _table()
INVERSE: tuple[int, ...] = tuple(int(np.flatnonzero(COMPOSE[:, g] == UPRIGHT)[0]) for g in range(8))


@dataclass(frozen=True)
class Fix:
    """What undoes a distortion: turn `rotate` degrees clockwise, then mirror left-right if `flip`,
    and invert the grey levels if `invert`."""

    rotate: int = 0
    flip: bool = False
    invert: bool = False

    def to_dict(self) -> dict[str, int | bool]:
        return {"rotate": self.rotate, "flip": self.flip, "invert": self.invert}

    @property
    def label(self) -> str:
        parts = []
        if self.rotate:
            parts.append("rotate 180°" if self.rotate == 180 else f"rotate {self.rotate}° clockwise")
        if self.flip:
            parts.append("mirror left-right" if not self.rotate else "then mirror left-right")
        if self.invert:
            parts.append("invert grey levels")
        return ", ".join(parts) or "nothing"


def fix_for(g: int) -> Fix:
    """The clockwise turn and mirror that bring a film distorted by `g` back upright."""
    flip, k = divmod(int(g), 4)
    if flip and k == 2:  # a top-bottom mirror: rotate 180 then mirror left-right
        return Fix(rotate=180, flip=True)
    return Fix(rotate=90 * k, flip=bool(flip))


def undo_np(image: np.ndarray, fix: Fix) -> np.ndarray:
    """Apply `fix` to `image` the way the renderer does (clockwise turn, then mirror, then invert)."""
    out = np.rot90(image, -(fix.rotate // 90), axes=(-2, -1)) if fix.rotate else image
    if fix.flip:
        out = out[..., ::-1]
    if fix.invert:
        out = (255 - out) if out.dtype == np.uint8 else (1.0 - out)
    return np.ascontiguousarray(out)
