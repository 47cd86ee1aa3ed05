"""Strategies driven by the NLP labels mined from reports.

* `NlpDisagreementStrategy`: the report says positive and the model says 0.02 (or the report says
  negative and the model says 0.97). Per finding with a definite NLP label (1 or 0) the score is
  the model's confidence in the opposite answer, `max(0, 2|nlp - p| - 1)`: 0 while the model
  agrees or sits near 0.5, 0.96 for NLP = 1 and p = 0.02, 1 when the model is certain of the
  opposite. Uncertain (-1) and blank findings score 0. Reduced over findings (`max` default).
* `NlpUncertaintyStrategy`: reports that hedge ("cannot exclude", "possible"): the number of
  findings labelled -1, optionally weighted by how unsure the model is about them.
"""

from __future__ import annotations

import numpy as np

from ml.acquisition._math import binary_entropy, check_reduce, reduce_columns
from ml.acquisition.base import BaseStrategy
from ml.acquisition.errors import StrategyConfigError
from ml.acquisition.inputs import AcquisitionInputs


class NlpDisagreementStrategy(BaseStrategy):
    """NLP label vs model probability, scaled by the model's confidence (see module docstring)."""

    name = "nlp_disagreement"

    def __init__(self, reduce: str = "max") -> None:
        super().__init__(reduce=check_reduce(reduce))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        p = batch.need("probs", self.name)
        nlp = batch.need("nlp", self.name)
        definite = (nlp == 0.0) | (nlp == 1.0)
        per = np.where(definite, np.maximum(0.0, 2.0 * np.abs(np.nan_to_num(nlp) - p) - 1.0), 0.0)
        return reduce_columns(per, self.params["reduce"])


class NlpUncertaintyStrategy(BaseStrategy):
    """Count of NLP-uncertain (-1) findings; with `use_model`, each weighted 0.5 + 0.5 * H(p) so a
    hedge the model is also unsure about counts fully and one it is sure about counts half."""

    name = "nlp_uncertainty"

    def __init__(self, use_model: bool = False) -> None:
        if not isinstance(use_model, bool):
            raise StrategyConfigError(f"use_model must be true or false, got {use_model!r}")
        super().__init__(use_model=use_model)

    @property
    def requires_model(self) -> bool:
        return bool(self.params["use_model"])

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        nlp = batch.need("nlp", self.name)
        hedged = (nlp == -1.0).astype(np.float64)
        if self.params["use_model"]:
            p = batch.need("probs", self.name)
            hedged = hedged * (0.5 + 0.5 * binary_entropy(p))
        return hedged.sum(axis=1)
