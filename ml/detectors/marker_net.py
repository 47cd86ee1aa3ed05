"""The laterality-marker head: a third opinion on the left-right question, from the film's top corners.

Almost every chest film carries a lead marker ("L", sometimes "R", often with the technologist's
initials or a circle) near a shoulder, and the patient's left is on the viewer's right. A mirror moves
the marker to the other corner and makes it read backwards. The whole-film heads can use this cue,
but on the few hundred training films they lean on the heart and the diaphragm, and those are exactly
what disease hides. This head only ever sees the two top corners, so the marker (and the shoulder, the
clavicle, wires on their usual side) is all it has.

It is a drop-in for `mirror_net.MirrorNet`: `forward` scores an upright film by its top-right corner,
so `mirror_net.mirror_logit` (score of the film minus score of its mirror) compares the top-right
corner with the mirrored top-left one, antisymmetric by construction, and `mirror_net.train_mirror`
trains it. The corner features are pooled (mean and max), not flattened: a marker counts wherever in
the corner it sits. Where neither corner holds anything telling the two scores are alike and the head
abstains (log-odds near 0), leaving the verdict to the other two.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ml.detectors.conv_stages import conv_stages
from ml.detectors.mirror_net import MIRROR_SIZE
from ml.nets.errors import InputError

#: The corner read: the top `CORNER` of the film's height and the right `CORNER` of its width.
CORNER = 0.45
MARKER_WIDTHS: tuple[int, ...] = (16, 32, 48, 64)


class MarkerNet(nn.Module):
    """uint8 (or [0, 1] float) upright films `[B, S, S]` -> one score each, from the top-right corner."""

    def __init__(
        self, size: int = MIRROR_SIZE, corner: float = CORNER, widths: tuple[int, ...] = MARKER_WIDTHS
    ) -> None:
        super().__init__()
        if not 0.1 <= corner <= 0.5:
            raise InputError(f"corner must lie in [0.1, 0.5] of the film, got {corner}")
        self.size = int(size)
        self.corner = float(corner)
        self.side = round(self.size * self.corner)
        if self.side < 2 ** len(widths):
            raise InputError(f"a {self.side} px corner is too small for {len(widths)} stages")
        self.widths = tuple(int(w) for w in widths)
        self.features, c = conv_stages(self.widths)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(2 * c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or tuple(x.shape[1:]) != (self.size, self.size):
            raise InputError(f"expected a batch [B, {self.size}, {self.size}], got {tuple(x.shape)}")
        x = x.float() * (1.0 / 255.0) if x.dtype == torch.uint8 else x.float()
        corner = x[:, : self.side, self.size - self.side :]
        z = self.features(((corner - 0.5) * 4.0).unsqueeze(1))
        z = torch.cat([z.mean(dim=(2, 3)), z.amax(dim=(2, 3))], 1)
        return self.head(self.dropout(z))[:, 0]

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "corner": self.corner, "widths": list(self.widths)}
