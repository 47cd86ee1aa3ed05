"""Rarity boost: rank up items likely to show findings that are rare among the labelled items.

Rare findings are where a few more labels move the model most (and where per-finding AUROC is
least certain), so this component is usually combined with an uncertainty one.
"""

from __future__ import annotations

import numpy as np

from ml.acquisition._math import check_reduce, reduce_columns
from ml.acquisition.base import BaseStrategy
from ml.acquisition.errors import StrategyConfigError
from ml.acquisition.inputs import AcquisitionInputs


class RarityStrategy(BaseStrategy):
    """Rarity boost: items likely to show findings that are rare among the labelled items.

    Per finding weight `w_c = 1 / (prevalence_c + alpha)`, scaled so the rarest finding has weight 1;
    the item score is `sum_c w_c * q_ic` where q is the model probability (`source="model"`) or the
    NLP label (`source="nlp"`: 1 for positive, 0.5 for uncertain, 0 otherwise).
    """

    name = "rarity"
    SOURCES = ("model", "nlp")

    def __init__(self, alpha: float = 0.01, source: str = "model", reduce: str = "sum") -> None:
        if not (isinstance(alpha, int | float) and alpha > 0):
            raise StrategyConfigError(f"alpha must be a positive number, got {alpha!r}")
        if source not in self.SOURCES:
            raise StrategyConfigError(f"source must be one of {self.SOURCES}, got {source!r}")
        super().__init__(alpha=float(alpha), source=source, reduce=check_reduce(reduce))

    @property
    def requires_model(self) -> bool:
        return self.params["source"] == "model"

    def weights(self, prevalence: np.ndarray) -> np.ndarray:
        w = 1.0 / (prevalence + self.params["alpha"])
        return w / w.max() if len(w) else w

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        w = self.weights(batch.need("prevalence", self.name))
        if self.params["source"] == "model":
            q = batch.need("probs", self.name)
        else:
            nlp = batch.need("nlp", self.name)
            q = np.where(nlp == 1.0, 1.0, np.where(nlp == -1.0, 0.5, 0.0))
        return reduce_columns(q * w[None, :], self.params["reduce"])
