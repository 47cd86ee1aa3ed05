"""Candidate vs production on the same test items: per-finding delta AUROC and its significance.

Both models' probabilities for the *same* items are compared (a paired design):

* `p_delong`: DeLong, DeLong & Clarke-Pearson (1988) test for two correlated AUROCs, with the fast
  mid-rank algorithm of Sun & Xu (2014); two-sided.
* `delta_ci_low / high` and `p_bootstrap`: paired percentile bootstrap over items (the same
  resample for both models; one-class resamples skipped; AUROCs by `binary.resampled_aurocs`,
  equal to `roc_auc_score`); the p-value is two-sided,
  `2 * min(P(delta* <= 0), P(delta* >= 0))`, capped at 1.

`ModelComparison.candidate_better` is true when the macro delta AUROC is positive and no finding
got significantly worse (p_delong < alpha with a negative delta): the promotion hint the UI shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm, rankdata

from ml.evaluation._json import JsonMixin
from ml.evaluation.binary import bootstrap_indices, both_classes, check_binary, resampled_aurocs
from ml.evaluation.errors import EvaluationError
from ml.evaluation.multilabel import check_matrix

NAN = math.nan


@dataclass(frozen=True)
class FindingComparison(JsonMixin):
    n: int
    auroc_candidate: float
    auroc_production: float
    delta: float
    delta_ci_low: float
    delta_ci_high: float
    p_delong: float
    p_bootstrap: float
    n_boot_used: int


@dataclass(frozen=True)
class ModelComparison(JsonMixin):
    findings: dict[str, FindingComparison]
    macro_delta: float
    alpha: float
    candidate_better: bool
    significantly_better: list[str] = field(default_factory=list)
    significantly_worse: list[str] = field(default_factory=list)


def delong_test(y: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray) -> tuple[float, float, float]:
    """(AUROC a, AUROC b, two-sided p-value of a == b) by DeLong's test on paired scores."""
    y, a = check_binary(y, scores_a)
    _, b = check_binary(y, scores_b)
    if not both_classes(y):
        return NAN, NAN, NAN
    order = np.argsort(-y, kind="stable")  # positives first
    preds = np.vstack([a, b])[:, order]
    m = int(y.sum())
    n = y.size - m
    tx = np.vstack([rankdata(r[:m]) for r in preds])
    ty = np.vstack([rankdata(r[m:]) for r in preds])
    tz = np.vstack([rankdata(r) for r in preds])
    aucs = tz[:, :m].sum(axis=1) / (m * n) - (m + 1.0) / (2.0 * n)
    v01 = (tz[:, :m] - tx) / n
    v10 = 1.0 - (tz[:, m:] - ty) / m
    sx = np.atleast_2d(np.cov(v01)) if m > 1 else np.zeros((2, 2))
    sy = np.atleast_2d(np.cov(v10)) if n > 1 else np.zeros((2, 2))
    s = sx / m + sy / n
    var = float(s[0, 0] + s[1, 1] - 2.0 * s[0, 1])
    diff = float(aucs[0] - aucs[1])
    if var <= 1e-15:
        p = 1.0 if abs(diff) < 1e-12 else 0.0
    else:
        p = float(2.0 * norm.sf(abs(diff) / math.sqrt(var)))
    return float(aucs[0]), float(aucs[1]), min(p, 1.0)


def paired_bootstrap_delta(
    y: np.ndarray,
    scores_a: np.ndarray,
    scores_b: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    method: str = "ranks",
) -> tuple[float, float, float, int]:
    """(CI low, CI high, two-sided p, resamples used) of AUROC(a) - AUROC(b) over paired resamples."""
    y, a = check_binary(y, scores_a)
    _, b = check_binary(y, scores_b)
    if not both_classes(y):
        return NAN, NAN, NAN, 0
    idx = bootstrap_indices(y.size, n_boot, seed)
    deltas = resampled_aurocs(y, a, idx, method) - resampled_aurocs(y, b, idx, method)
    deltas = deltas[~np.isnan(deltas)]
    if not deltas.size:
        return NAN, NAN, NAN, 0
    d = deltas
    lo, hi = np.percentile(d, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    p = min(1.0, 2.0 * min(float((d <= 0).mean()), float((d >= 0).mean())))
    return float(lo), float(hi), p, len(deltas)


def compare_models(
    y: np.ndarray,
    candidate: np.ndarray,
    production: np.ndarray,
    labels: Sequence[str],
    *,
    mask: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    method: str = "ranks",
) -> ModelComparison:
    """Compare two models' `[N, C]` probabilities on the same items (`y` 0/1, NaN/mask = unknown).

    For a single-choice model pass one-hot `y` and the softmax columns (add an urgent column, e.g.
    P(CNV) + P(DME), to compare the urgent-referral AUROC).
    """
    yy, cand, m = check_matrix(y, candidate, labels, mask)
    _, prod, _ = check_matrix(y, production, labels, mask)
    out: dict[str, FindingComparison] = {}
    for j, name in enumerate(labels):
        keep = m[:, j]
        yj = yy[keep, j]
        a_auc, b_auc, p_dl = delong_test(yj, cand[keep, j], prod[keep, j])
        lo, hi, p_bs, used = paired_bootstrap_delta(
            yj, cand[keep, j], prod[keep, j], n_boot=n_boot, seed=seed, alpha=alpha, method=method
        )
        out[name] = FindingComparison(
            n=int(keep.sum()),
            auroc_candidate=a_auc,
            auroc_production=b_auc,
            delta=a_auc - b_auc,
            delta_ci_low=lo,
            delta_ci_high=hi,
            p_delong=p_dl,
            p_bootstrap=p_bs,
            n_boot_used=used,
        )
    deltas = [c.delta for c in out.values() if not math.isnan(c.delta)]
    if not deltas:
        raise EvaluationError("no finding has both classes present in the test items; nothing to compare")
    macro = float(np.mean(deltas))
    better = [k for k, c in out.items() if c.p_delong < alpha and c.delta > 0]
    worse = [k for k, c in out.items() if c.p_delong < alpha and c.delta < 0]
    return ModelComparison(
        findings=out,
        macro_delta=macro,
        alpha=alpha,
        candidate_better=macro > 0 and not worse,
        significantly_better=better,
        significantly_worse=worse,
    )
