"""Binary metrics for one finding: AUROC with a bootstrap CI, PR AUC, thresholds and the ROC curve.

* AUROC: scikit-learn `roc_auc_score`; 95 % CI by the percentile bootstrap over items (seeded,
  `n_boot` resamples with replacement; resamples with only one class are skipped and the number
  used is reported). The resamples' AUROCs are computed all at once as the Mann-Whitney statistic
  with mid-ranks (`auroc_rows`), which is the same number `roc_auc_score` returns (a test checks
  equality on every resample, ties included) at about 1/100 of the cost: `roc_auc_score`'s input
  validation alone takes milliseconds a call, and 1,000 resamples x 14 findings add up. Pass
  `method="sklearn"` to call `roc_auc_score` on each resample instead.
* Sensitivity / specificity at a chosen threshold (score >= threshold is positive) and at the
  Youden-optimal threshold (max TPR - FPR over the ROC's thresholds; ties go to the highest
  threshold, i.e. the most specific operating point).
* PR AUC: `average_precision_score`.
* ROC curve points downsampled to at most `max_roc_points` (first and last kept) for plotting.

Undefined values (one class present) are NaN in the dataclass and null in `to_dict()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from ml.evaluation._json import JsonMixin
from ml.evaluation.errors import EvaluationError

NAN = math.nan
BOOTSTRAP_METHODS = ("ranks", "sklearn")


@dataclass(frozen=True)
class RocCurve(JsonMixin):
    fpr: list[float] = field(default_factory=list)
    tpr: list[float] = field(default_factory=list)
    thresholds: list[float] = field(default_factory=list)  # inf (first point) -> null in JSON


@dataclass(frozen=True)
class BinaryMetrics(JsonMixin):
    n: int
    n_positive: int
    prevalence: float
    auroc: float
    auroc_ci_low: float
    auroc_ci_high: float
    n_boot_used: int
    pr_auc: float
    threshold: float
    sensitivity: float
    specificity: float
    youden_threshold: float
    youden_sensitivity: float
    youden_specificity: float
    roc: RocCurve = field(default_factory=RocCurve)


def check_binary(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    yy = np.asarray(y, dtype=np.float64).ravel()
    ss = np.asarray(scores, dtype=np.float64).ravel()
    if yy.shape != ss.shape:
        raise EvaluationError(f"{yy.size} labels but {ss.size} scores")
    if not np.isin(yy, (0.0, 1.0)).all():
        raise EvaluationError("binary labels must be 0 or 1 (mask out unknown labels first)")
    if not np.isfinite(ss).all():
        raise EvaluationError("scores must be finite numbers")
    return yy.astype(np.int64), ss


def both_classes(y: np.ndarray) -> bool:
    return bool(y.size) and 0 < int(y.sum()) < y.size


def auroc_rows(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """AUROC of each row of `y` / `scores` ([B, n], labels 0/1) by mid-rank Mann-Whitney; NaN for a
    row with one class. Equal to `roc_auc_score` row by row."""
    y = np.asarray(y, dtype=bool)
    ranks = rankdata(np.asarray(scores, dtype=np.float64), axis=1)
    m = y.sum(axis=1).astype(np.float64)
    k = y.shape[1] - m
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * y).sum(axis=1) - m * (m + 1.0) / 2.0) / (m * k)
    return np.where((m > 0) & (k > 0), auc, np.nan)


def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """The seeded resamples `[n_boot, n]` (the same for every model compared on these items)."""
    return np.random.default_rng(seed).integers(0, n, (n_boot, n))


def resampled_aurocs(y: np.ndarray, scores: np.ndarray, idx: np.ndarray, method: str) -> np.ndarray:
    """AUROC on each resample (NaN where a resample has one class)."""
    if method not in BOOTSTRAP_METHODS:
        raise EvaluationError(f"method must be one of {BOOTSTRAP_METHODS}, got {method!r}")
    if method == "ranks":
        out = np.empty(len(idx))
        for lo in range(0, len(idx), 256):  # bounded memory for large test sets
            out[lo : lo + 256] = auroc_rows(y[idx[lo : lo + 256]], scores[idx[lo : lo + 256]])
        return out
    return np.array([roc_auc_score(y[i], scores[i]) if both_classes(y[i]) else np.nan for i in idx])


def bootstrap_auroc(
    y: np.ndarray,
    scores: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    method: str = "ranks",
) -> tuple[float, float, int]:
    """Percentile bootstrap CI of the AUROC: (low, high, resamples used)."""
    y, scores = check_binary(y, scores)
    if n_boot < 1 or not 0 < alpha < 1:
        raise EvaluationError("n_boot must be >= 1 and alpha in (0, 1)")
    if not both_classes(y):
        return NAN, NAN, 0
    stats = resampled_aurocs(y, scores, bootstrap_indices(y.size, n_boot, seed), method)
    stats = stats[~np.isnan(stats)]
    if not stats.size:
        return NAN, NAN, 0
    lo, hi = np.percentile(stats, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi), int(stats.size)


def sens_spec_at(y: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """(sensitivity, specificity) with `score >= threshold` called positive."""
    y, scores = check_binary(y, scores)
    pred = scores >= threshold
    pos, neg = y == 1, y == 0
    sens = float(pred[pos].mean()) if pos.any() else NAN
    spec = float((~pred[neg]).mean()) if neg.any() else NAN
    return sens, spec


def youden_threshold(y: np.ndarray, scores: np.ndarray) -> tuple[float, float, float]:
    """(threshold, sensitivity, specificity) maximising Youden's J = sensitivity + specificity - 1."""
    y, scores = check_binary(y, scores)
    if not both_classes(y):
        return NAN, NAN, NAN
    fpr, tpr, thr = roc_curve(y, scores)
    j = np.where(np.isfinite(thr), tpr - fpr, -np.inf)
    # roc_curve orders thresholds high -> low, so the first (near-)maximum is the highest threshold;
    # the tolerance makes float rounding (1 - 1/3 vs 2/3) count as a tie
    i = int(np.flatnonzero(j >= j.max() - 1e-12)[0])
    return float(thr[i]), float(tpr[i]), float(1.0 - fpr[i])


def downsample_roc(fpr: np.ndarray, tpr: np.ndarray, thr: np.ndarray, max_points: int) -> RocCurve:
    if max_points < 2:
        raise EvaluationError("max_roc_points must be at least 2")
    if len(fpr) > max_points:
        keep = np.unique(np.round(np.linspace(0, len(fpr) - 1, max_points)).astype(np.int64))
        fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
    return RocCurve(
        fpr=[float(v) for v in fpr], tpr=[float(v) for v in tpr], thresholds=[float(v) for v in thr]
    )


def binary_metrics(
    y: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float = 0.5,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    max_roc_points: int = 101,
    method: str = "ranks",
) -> BinaryMetrics:
    """All binary metrics for one finding (see the module docstring)."""
    y, scores = check_binary(y, scores)
    n, n_pos = int(y.size), int(y.sum())
    sens, spec = sens_spec_at(y, scores, threshold) if n else (NAN, NAN)
    if both_classes(y):
        auroc = float(roc_auc_score(y, scores))
        lo, hi, used = bootstrap_auroc(y, scores, n_boot=n_boot, seed=seed, alpha=alpha, method=method)
        pr_auc = float(average_precision_score(y, scores))
        yt, ys, ysp = youden_threshold(y, scores)
        roc = downsample_roc(*roc_curve(y, scores), max_roc_points)
    else:
        auroc = lo = hi = pr_auc = yt = ys = ysp = NAN
        used = 0
        roc = RocCurve()
    return BinaryMetrics(
        n=n,
        n_positive=n_pos,
        prevalence=n_pos / n if n else NAN,
        auroc=auroc,
        auroc_ci_low=lo,
        auroc_ci_high=hi,
        n_boot_used=used,
        pr_auc=pr_auc,
        threshold=float(threshold),
        sensitivity=sens,
        specificity=spec,
        youden_threshold=yt,
        youden_sensitivity=ys,
        youden_specificity=ysp,
        roc=roc,
    )
