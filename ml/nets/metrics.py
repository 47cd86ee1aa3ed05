"""Validation metrics for the training loop: macro AUROC (scikit-learn) and accuracy.

Multi-label: one AUROC per finding over the rows whose label is known (mask), macro-averaged over the
findings that have both classes present. Single-label: one-vs-rest AUROC per class, same averaging.
A finding with only one class present is left out (its AUROC is undefined), and NaN is returned when
no finding qualifies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score


@dataclass(frozen=True)
class AurocReport:
    macro: float
    per_label: dict[str, float]  # only labels with both classes present


def auroc_report(
    y: np.ndarray,
    probs: np.ndarray,
    labels: tuple[str, ...],
    *,
    multilabel: bool,
    mask: np.ndarray | None = None,
) -> AurocReport:
    per: dict[str, float] = {}
    for j, name in enumerate(labels):
        if multilabel:
            keep = np.ones(len(y), bool) if mask is None else mask[:, j] > 0
            truth = y[keep, j] > 0.5
            score = probs[keep, j]
        else:
            truth = y == j
            score = probs[:, j]
        if truth.any() and (~truth).any():
            per[name] = float(roc_auc_score(truth, score))
    macro = float(np.mean(list(per.values()))) if per else math.nan
    return AurocReport(macro=macro, per_label=per)


def accuracy(y: np.ndarray, probs: np.ndarray) -> float:
    """Top-1 accuracy of single-label predictions."""
    return float((probs.argmax(1) == y).mean()) if len(y) else math.nan
