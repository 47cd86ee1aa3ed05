"""The random baseline: a seeded, per-item uniform score that never depends on a model.

Each item's score is a hash of (seed, item id), not a draw from a generator, so it is the same
whatever order the items come in and adding items never reshuffles the existing ones: the baseline
worklist is reproducible and stored once, without a model version.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ml.acquisition.base import BaseStrategy
from ml.acquisition.errors import StrategyConfigError
from ml.acquisition.inputs import AcquisitionInputs, ItemId


def item_uniform(seed: int, item_id: ItemId) -> float:
    """A uniform number in [0, 1) determined by (seed, item id) alone."""
    digest = hashlib.blake2b(f"{seed}\x1f{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class RandomStrategy(BaseStrategy):
    """Uniform random order, reproducible for a seed (the comparison baseline)."""

    name = "random"
    _requires_model = False

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise StrategyConfigError(f"random seed must be an integer, got {seed!r}")
        super().__init__(seed=seed)

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        seed = self.params["seed"]
        return np.array([item_uniform(seed, i) for i in batch.ids], dtype=np.float64)
