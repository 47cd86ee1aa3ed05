"""AUROC bootstrap CIs, Youden thresholds, sensitivity/specificity, PR AUC, ROC points, JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ml.evaluation import (
    EvaluationError,
    binary_metrics,
    bootstrap_auroc,
    evaluate_multilabel,
    sens_spec_at,
    youden_threshold,
)
from ml.evaluation.binary import bootstrap_indices, resampled_aurocs

Y8 = np.array([0, 0, 0, 0, 1, 1, 1, 1])
S8 = np.array([0.1, 0.3, 0.35, 0.8, 0.4, 0.5, 0.7, 0.9])


def noisy_scores(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    return y, np.clip(0.3 * y + rng.normal(0.35, 0.2, n), 0, 1)


def test_youden_threshold_on_a_constructed_example() -> None:
    # J per threshold: 0.9 -> .25, 0.8 -> 0, 0.7 -> .25, 0.5 -> .5, 0.4 -> .75, 0.35 -> .5
    assert youden_threshold(Y8, S8) == pytest.approx((0.4, 1.0, 0.75))


def test_youden_ties_go_to_the_highest_threshold() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.6, 0.4, 0.7, 0.9])  # J = 2/3 at 0.7 (spec 1) and at 0.4 (sens 1)
    assert youden_threshold(y, s) == pytest.approx((0.7, 2 / 3, 1.0))


def test_sensitivity_specificity_at_threshold() -> None:
    assert sens_spec_at(Y8, S8, 0.5) == pytest.approx((0.75, 0.75))  # 0.8 is the false positive
    assert sens_spec_at(Y8, S8, 0.95) == pytest.approx((0.0, 1.0))


def test_binary_metrics_values() -> None:
    m = binary_metrics(Y8, S8, threshold=0.5, n_boot=200, seed=3)
    assert m.auroc == pytest.approx(roc_auc_score(Y8, S8)) == pytest.approx(13 / 16)
    assert (m.n, m.n_positive, m.prevalence) == (8, 4, 0.5)
    pr = binary_metrics(np.array([1, 0, 1]), np.array([0.9, 0.8, 0.7]), n_boot=10).pr_auc
    assert pr == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))  # average precision by hand
    assert m.roc.fpr[0] == 0.0 and m.roc.tpr[-1] == 1.0 and m.roc.fpr[-1] == 1.0


def test_bootstrap_ci_contains_the_estimate_and_is_deterministic() -> None:
    y, s = noisy_scores(300, 0)
    auc = roc_auc_score(y, s)
    lo, hi, used = bootstrap_auroc(y, s, n_boot=1000, seed=11)
    assert lo < auc < hi and hi - lo < 0.2
    assert used == 1000
    assert bootstrap_auroc(y, s, n_boot=1000, seed=11) == (lo, hi, used)
    assert bootstrap_auroc(y, s, n_boot=1000, seed=12) != (lo, hi, used)


def test_resample_aurocs_equal_sklearn_on_every_resample() -> None:
    rng = np.random.default_rng(4)
    y = np.zeros(30, dtype=int)
    y[[3, 17]] = 1  # two positives: about 1 resample in 8 has none
    s = np.round(rng.random(30), 1)  # coarse scores: many ties
    idx = bootstrap_indices(30, 150, seed=0)
    fast = resampled_aurocs(y, s, idx, "ranks")
    slow = resampled_aurocs(y, s, idx, "sklearn")
    assert np.isnan(fast).sum() == np.isnan(slow).sum() > 0  # some resamples have no positive
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    assert bootstrap_auroc(y, s, n_boot=150, seed=0) == pytest.approx(
        bootstrap_auroc(y, s, n_boot=150, seed=0, method="sklearn"), abs=1e-12
    )


def test_bootstrap_skips_one_class_resamples() -> None:
    y = np.array([1, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.1, 0.2, 0.3, 0.4, 0.5])
    lo, hi, used = bootstrap_auroc(y, s, n_boot=400, seed=0)
    # P(no positive in a resample of 6) = (5/6)^6 = 0.335: about a third are skipped
    assert 200 < used < 330
    assert lo == hi == 1.0


def test_roc_points_are_downsampled() -> None:
    y, s = noisy_scores(2000, 1)
    m = binary_metrics(y, s, n_boot=20, max_roc_points=25)
    assert 2 <= len(m.roc.fpr) <= 25
    assert m.roc.fpr[0] == 0.0 and m.roc.tpr[0] == 0.0 and m.roc.fpr[-1] == 1.0
    assert all(np.diff(m.roc.fpr) >= 0)


def test_multilabel_report_masks_unknown_labels_and_serialises() -> None:
    y = np.array([[1, 0, np.nan], [0, 0, 1], [1, 0, 0], [0, 0, np.nan], [1, 0, 1], [0, 0, 0]], dtype=float)
    p = np.array(
        [[0.9, 0.1, 0.5], [0.2, 0.2, 0.9], [0.7, 0.3, 0.1], [0.4, 0.1, 0.5], [0.6, 0.2, 0.8], [0.1, 0.1, 0.2]]
    )
    r = evaluate_multilabel(y, p, ("A", "B", "C"), n_boot=50, seed=0, thresholds={"A": 0.65})
    assert r.findings["A"].auroc == pytest.approx(1.0)
    assert r.findings["A"].sensitivity == pytest.approx(2 / 3)  # 0.6 < 0.65
    assert math.isnan(r.findings["B"].auroc)  # no positives
    assert r.findings["C"].n == 4 and r.findings["C"].auroc == pytest.approx(1.0)
    assert r.evaluated == ["A", "C"] and r.macro_auroc == pytest.approx(1.0)
    d = r.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["findings"]["B"]["auroc"] is None


@pytest.mark.parametrize(
    ("y", "s", "message"),
    [
        (np.array([0, 2]), np.array([0.1, 0.2]), "0 or 1"),
        (np.array([0, 1]), np.array([0.1]), "2 labels but 1 scores"),
        (np.array([0, 1]), np.array([0.1, np.nan]), "finite"),
    ],
)
def test_bad_binary_input(y: np.ndarray, s: np.ndarray, message: str) -> None:
    with pytest.raises(EvaluationError, match=message):
        binary_metrics(y, s)


def test_multilabel_refuses_uncertain_labels() -> None:
    with pytest.raises(EvaluationError, match="mask out"):
        evaluate_multilabel(np.array([[-1.0], [1.0]]), np.array([[0.2], [0.3]]), ("A",))
