"""Weighted combination of strategies, with per-dataset weights and optional batch diversity.

Each component's scores are rank-normalised to [0, 1] among the unlabelled items first (so entropy in
bits, counts of hedged findings and embedding distances are on one scale and none dominates by its
units), then combined as `sum_k w_k * r_k / sum_k w_k`. With `diversity_weight > 0` the first
`batch_size` items are then picked greedily by `combined + diversity_weight * distance` over the
embeddings (see `diversity.greedy_order`), so a batch is both informative and spread out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ml.acquisition.base import BaseStrategy, Strategy
from ml.acquisition.diversity import greedy_order, order_scores
from ml.acquisition.errors import StrategyConfigError
from ml.acquisition.inputs import AcquisitionInputs
from ml.acquisition.ranking import _id_sort_keys, rank_normalise


class WeightedCombination(BaseStrategy):
    """`sum_k w_k * rank_normalise(component_k)` (see the module docstring)."""

    name = "weighted"

    def __init__(
        self,
        components: Mapping[str, tuple[Strategy, float]],
        *,
        diversity_weight: float = 0.0,
        batch_size: int = 64,
    ) -> None:
        if not components:
            raise StrategyConfigError("a weighted combination needs at least one component")
        for label, (strategy, weight) in components.items():
            if not isinstance(weight, int | float) or weight < 0 or not np.isfinite(weight):
                raise StrategyConfigError(
                    f"weight of {label!r} must be a non-negative number, got {weight!r}"
                )
            if not isinstance(strategy, Strategy):
                raise StrategyConfigError(f"component {label!r} is not a strategy")
        if sum(w for _, w in components.values()) <= 0:
            raise StrategyConfigError("at least one component weight must be positive")
        if not (isinstance(diversity_weight, int | float) and diversity_weight >= 0):
            raise StrategyConfigError(f"diversity_weight must be >= 0, got {diversity_weight!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise StrategyConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.components = dict(sorted(components.items()))
        params: dict[str, Any] = {
            "components": {
                label: {**s.config(), "weight": float(w)} for label, (s, w) in self.components.items()
            }
        }
        if diversity_weight > 0:
            params.update(diversity_weight=float(diversity_weight), batch_size=batch_size)
        super().__init__(**params)

    @property
    def requires_model(self) -> bool:
        return (
            any(s.requires_model for s, w in self.components.values() if w > 0)
            or "diversity_weight" in self.params
        )

    def component_scores(self, batch: AcquisitionInputs) -> dict[str, np.ndarray]:
        """Each positively weighted component's rank-normalised scores (for explaining a rank)."""
        eligible = ~batch.labelled
        return {
            label: rank_normalise(s.score(batch), eligible)
            for label, (s, w) in self.components.items()
            if w > 0
        }

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        parts = self.component_scores(batch)
        total = sum(w for _, w in self.components.values())
        combined = sum(self.components[label][1] * r for label, r in parts.items()) / total
        combined = np.where(batch.labelled, 0.0, combined)
        lam = self.params.get("diversity_weight", 0.0)
        if lam <= 0:
            return combined
        emb = batch.need("embeddings", self.name)
        picked, _ = greedy_order(
            emb,
            batch.labelled,
            self.params["batch_size"],
            base=combined,
            weight=lam,
            tiebreak=_id_sort_keys(batch.ids),
        )
        return order_scores(len(batch), picked, combined, batch.labelled)
