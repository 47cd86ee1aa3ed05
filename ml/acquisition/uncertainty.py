"""Model-uncertainty strategies: entropy and margin (one model), BALD and variance (samples).

Multi-label schemas score each finding as a binary problem and reduce over findings (`sum` by
default for entropy / BALD / variance, `max` for margin); single-choice schemas (OCT) use the
categorical entropy / top-two margin / mutual information of the softmax row.
"""

from __future__ import annotations

import numpy as np

from ml.acquisition._math import binary_entropy, categorical_entropy, check_reduce, reduce_columns
from ml.acquisition.base import BaseStrategy
from ml.acquisition.inputs import AcquisitionInputs


class EntropyStrategy(BaseStrategy):
    """Predictive entropy: binary per finding (bits) reduced over findings, or categorical."""

    name = "entropy"

    def __init__(self, reduce: str = "sum") -> None:
        super().__init__(reduce=check_reduce(reduce))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        p = batch.need("probs", self.name)
        if not batch.multilabel:
            return categorical_entropy(p)
        return reduce_columns(binary_entropy(p), self.params["reduce"])


class MarginStrategy(BaseStrategy):
    """Small margin = uncertain. Single choice: 1 - (p1 - p2) of the top two classes.
    Multi-label: per finding 1 - |2p - 1| (closeness to 0.5), reduced over findings (max default)."""

    name = "margin"

    def __init__(self, reduce: str = "max") -> None:
        super().__init__(reduce=check_reduce(reduce))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        p = batch.need("probs", self.name)
        if not batch.multilabel:
            if p.shape[1] < 2:
                return np.zeros(len(p))
            top2 = np.sort(p, axis=1)[:, -2:]
            return 1.0 - (top2[:, 1] - top2[:, 0])
        return reduce_columns(1.0 - np.abs(2.0 * p - 1.0), self.params["reduce"])


class BaldStrategy(BaseStrategy):
    """BALD (Houlsby et al. 2011): mutual information between the prediction and the model
    parameters, estimated from MC-dropout or ensemble samples: H(mean p) - mean H(p_s)."""

    name = "bald"

    def __init__(self, reduce: str = "sum") -> None:
        super().__init__(reduce=check_reduce(reduce))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        s = batch.need("samples", self.name)  # [S, N, C]
        mean = s.mean(axis=0)
        if not batch.multilabel:
            return categorical_entropy(mean) - categorical_entropy(s, axis=-1).mean(axis=0)
        mi = binary_entropy(mean) - binary_entropy(s).mean(axis=0)
        return reduce_columns(np.maximum(mi, 0.0), self.params["reduce"])


class VarianceStrategy(BaseStrategy):
    """Disagreement between samples: variance of each probability across samples, reduced."""

    name = "variance"

    def __init__(self, reduce: str = "sum") -> None:
        super().__init__(reduce=check_reduce(reduce))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        s = batch.need("samples", self.name)
        return reduce_columns(s.var(axis=0), self.params["reduce"])
