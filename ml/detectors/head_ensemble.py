"""Several heads of one kind, trained from different seeds, read as one head.

On a few hundred training films a left-right head's mistakes depend on its seed: the same recipe
with another seed gets other held-out films wrong (bench/qc/README.md). Averaging the seeds' scores
keeps what they agree on and damps what one of them made up. Because a head's log-odds is
`score(x) - score(mirror(x))` (`mirror_net.mirror_logit`), the mean of the members' scores gives
the mean of their log-odds, and the ensemble is still antisymmetric: it is a drop-in wherever one
head goes (`refine_mirror`, `train_mirror` is run once per member).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ml.nets.errors import InputError


class HeadEnsemble(nn.Module):
    """The mean score of `members` (same kind, same input size) for each film of `[B, S, S]`."""

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if not members:
            raise InputError("an ensemble needs at least one head")
        sizes = {int(m.size) for m in members}
        if len(sizes) != 1:
            raise InputError(f"the heads of an ensemble must read one size, got {sorted(sizes)}")
        self.members = nn.ModuleList(members)
        self.size = sizes.pop()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([m(x) for m in self.members]).mean(0)

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "members": [m.config() for m in self.members]}


def members_of(head: nn.Module) -> list[nn.Module]:
    """The heads inside `head`: its members if it is an ensemble, else the head itself."""
    return list(head.members) if isinstance(head, HeadEnsemble) else [head]


def ensemble(heads: Sequence[nn.Module]) -> nn.Module:
    """One head as it is; several as their `HeadEnsemble`."""
    return heads[0] if len(heads) == 1 else HeadEnsemble(heads)
