"""Per-finding evaluation of a multi-label model (CheXNet) on the fixed adjudicated test split.

Each finding is evaluated over the items whose label is known (`mask`), with `binary_metrics`; the
macro AUROC averages the findings that have both classes present. Thresholds are one number for all
findings or a per-finding mapping (findings not in the mapping use 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ml.evaluation._json import JsonMixin
from ml.evaluation.binary import BinaryMetrics, binary_metrics
from ml.evaluation.errors import EvaluationError


@dataclass(frozen=True)
class MultiLabelReport(JsonMixin):
    findings: dict[str, BinaryMetrics]
    macro_auroc: float
    n_items: int
    n_boot: int
    seed: int
    evaluated: list[str] = field(default_factory=list)  # findings with both classes present


def check_matrix(
    y: np.ndarray, probs: np.ndarray, labels: Sequence[str], mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yy = np.asarray(y, dtype=np.float64)
    pp = np.asarray(probs, dtype=np.float64)
    if yy.ndim != 2 or yy.shape != pp.shape:
        raise EvaluationError(
            f"labels {yy.shape} and probabilities {pp.shape} must both be [items, findings]"
        )
    if yy.shape[1] != len(labels):
        raise EvaluationError(f"{len(labels)} finding names for {yy.shape[1]} columns")
    m = ~np.isnan(yy) if mask is None else np.asarray(mask, dtype=bool)
    if m.shape != yy.shape:
        raise EvaluationError(f"mask shape {m.shape} differs from label shape {yy.shape}")
    if not np.isin(yy[m], (0.0, 1.0)).all():
        raise EvaluationError("known labels must be 0 or 1 (mask out uncertain and blank labels)")
    if not np.isfinite(pp).all():
        raise EvaluationError("probabilities must be finite")
    return yy, pp, m


def threshold_for(thresholds: float | Mapping[str, float], name: str) -> float:
    if isinstance(thresholds, Mapping):
        return float(thresholds.get(name, 0.5))
    return float(thresholds)


def evaluate_multilabel(
    y: np.ndarray,
    probs: np.ndarray,
    labels: Sequence[str],
    *,
    mask: np.ndarray | None = None,
    thresholds: float | Mapping[str, float] = 0.5,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    max_roc_points: int = 101,
    method: str = "ranks",
) -> MultiLabelReport:
    """Per-finding metrics (`y` 0/1 with NaN or `mask` for unknown) and the macro AUROC."""
    yy, pp, m = check_matrix(y, probs, labels, mask)
    out: dict[str, BinaryMetrics] = {}
    for j, name in enumerate(labels):
        keep = m[:, j]
        out[name] = binary_metrics(
            yy[keep, j],
            pp[keep, j],
            threshold=threshold_for(thresholds, name),
            n_boot=n_boot,
            seed=seed,
            alpha=alpha,
            max_roc_points=max_roc_points,
            method=method,
        )
    evaluated = [k for k, v in out.items() if not math.isnan(v.auroc)]
    macro = float(np.mean([out[k].auroc for k in evaluated])) if evaluated else math.nan
    return MultiLabelReport(
        findings=out, macro_auroc=macro, n_items=len(yy), n_boot=n_boot, seed=seed, evaluated=evaluated
    )
