"""Evaluation of a single-choice model (the Kermany OCT classifier): accuracy, the Kermany weighted
error with its penalty matrix, one-vs-rest AUROCs and the urgent-referral ROC.

Weighted error (Kermany et al. 2018, Cell 172:1122-1131, "Identifying Medical Diagnoses and
Treatable Diseases by Image-Based Deep Learning", Figure 3B with the penalty matrix of its Figure S4):
`sum(penalty * confusion) / N`, confusion rows = true class, columns = predicted class. The paper
reports it beside accuracy (96.6 % accuracy, 6.6 % weighted error for its OCT model), so it is
normalised by the number of items, not by the largest penalty, and can exceed the plain error rate.

PENALTY VALUES - READ BEFORE QUOTING: the matrix below encodes the paper's stated principle (a
patient needing urgent referral, CNV or DME, called DRUSEN or NORMAL is the costly error) as 4 points
for urgent -> non-urgent and 1 point for every other error. We could not confirm the exact cell
values of Figure S4 with the search tool available when this was written (no copy of the figure was
found), so treat `KERMANY_PENALTY` as a reconstruction: check it against the figure before comparing
Arbiter's weighted errors with the paper's, and pass `penalty=` to use another matrix. Every report
stores the matrix it used.

Urgent referral: score = P(CNV) + P(DME), truth = class in {CNV, DME}; evaluated with
`binary_metrics` (AUROC + CI, sensitivity / specificity, ROC points).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import confusion_matrix

from layouts.label_schemas import OCT_CLASSES
from ml.evaluation._json import JsonMixin
from ml.evaluation.binary import BinaryMetrics, binary_metrics
from ml.evaluation.errors import EvaluationError

URGENT_CLASSES: tuple[str, ...] = ("CNV", "DME")

# rows: true CNV, DME, DRUSEN, NORMAL; columns: predicted in the same order (see the caveat above)
KERMANY_PENALTY: tuple[tuple[int, ...], ...] = (
    (0, 1, 4, 4),
    (1, 0, 4, 4),
    (1, 1, 0, 1),
    (1, 1, 1, 0),
)


@dataclass(frozen=True)
class SingleChoiceReport(JsonMixin):
    classes: list[str]
    n_items: int
    accuracy: float
    confusion: list[list[int]]  # rows true, columns predicted
    penalty: list[list[float]] | None
    weighted_error: float
    per_class: dict[str, BinaryMetrics]  # one-vs-rest
    macro_auroc: float
    urgent_classes: list[str] = field(default_factory=list)
    urgent: BinaryMetrics | None = None


def weighted_error(confusion: np.ndarray, penalty: np.ndarray) -> float:
    """`sum(penalty * confusion) / N` for a confusion matrix with true classes as rows."""
    c = np.asarray(confusion, dtype=np.float64)
    p = np.asarray(penalty, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or p.shape != c.shape:
        raise EvaluationError(f"confusion {c.shape} and penalty {p.shape} must be the same square shape")
    if (p < 0).any() or (np.diag(p) != 0).any():
        raise EvaluationError("a penalty matrix must be non-negative with a zero diagonal")
    n = c.sum()
    return float((p * c).sum() / n) if n > 0 else math.nan


def evaluate_single_choice(
    y: np.ndarray,
    probs: np.ndarray,
    classes: Sequence[str] = OCT_CLASSES,
    *,
    penalty: np.ndarray | Sequence[Sequence[float]] | None = None,
    urgent: Sequence[str] | None = None,
    threshold: float = 0.5,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    max_roc_points: int = 101,
    method: str = "ranks",
) -> SingleChoiceReport:
    """Metrics of a softmax classifier; `y` holds class indices into `classes`.

    For the OCT classes (in `OCT_CLASSES` order) `penalty` defaults to `KERMANY_PENALTY` and `urgent`
    to CNV + DME; for other schemas both default to none.
    """
    classes = list(classes)
    k = len(classes)
    yy = np.asarray(y)
    pp = np.asarray(probs, dtype=np.float64)
    if pp.ndim != 2 or pp.shape != (len(yy), k):
        raise EvaluationError(f"probabilities must be [{len(yy)}, {k}], got {pp.shape}")
    if yy.ndim != 1 or not np.issubdtype(yy.dtype, np.integer) or ((yy < 0) | (yy >= k)).any():
        raise EvaluationError(f"labels must be class indices in [0, {k})")
    if not np.isfinite(pp).all():
        raise EvaluationError("probabilities must be finite")
    is_oct = tuple(classes) == tuple(OCT_CLASSES)
    if penalty is None and is_oct:
        penalty = KERMANY_PENALTY
    if urgent is None:
        urgent = URGENT_CLASSES if is_oct else ()
    unknown = sorted(set(urgent) - set(classes))
    if unknown:
        raise EvaluationError(f"urgent classes {unknown} are not among {classes}")

    pred = pp.argmax(axis=1)
    conf = confusion_matrix(yy, pred, labels=list(range(k)))
    n = len(yy)
    acc = float((pred == yy).mean()) if n else math.nan
    pen = None if penalty is None else np.asarray(penalty, dtype=np.float64)
    werr = weighted_error(conf, pen) if pen is not None else math.nan
    kw = {
        "threshold": threshold,
        "n_boot": n_boot,
        "seed": seed,
        "alpha": alpha,
        "max_roc_points": max_roc_points,
        "method": method,
    }
    per_class = {c: binary_metrics((yy == j).astype(int), pp[:, j], **kw) for j, c in enumerate(classes)}
    evaluated = [m.auroc for m in per_class.values() if not math.isnan(m.auroc)]
    urgent_metrics = None
    if urgent:
        cols = [classes.index(c) for c in urgent]
        urgent_metrics = binary_metrics(np.isin(yy, cols).astype(int), pp[:, cols].sum(axis=1), **kw)
    return SingleChoiceReport(
        classes=classes,
        n_items=n,
        accuracy=acc,
        confusion=conf.tolist(),
        penalty=None if pen is None else pen.tolist(),
        weighted_error=werr,
        per_class=per_class,
        macro_auroc=float(np.mean(evaluated)) if evaluated else math.nan,
        urgent_classes=list(urgent),
        urgent=urgent_metrics,
    )
