"""OCT metrics (Kermany weighted error, urgent referral) and candidate-vs-production comparison."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ml.evaluation import (
    KERMANY_PENALTY,
    EvaluationError,
    compare_models,
    delong_test,
    evaluate_single_choice,
    paired_bootstrap_delta,
    weighted_error,
)

# rows true CNV, DME, DRUSEN, NORMAL; columns predicted
CONFUSION = np.array(
    [
        [50, 2, 1, 3],
        [1, 40, 0, 2],
        [0, 1, 30, 4],
        [2, 0, 3, 60],
    ]
)


def test_kermany_weighted_error_by_hand() -> None:
    # CNV row: 2 DME x1 + 1 DRUSEN x4 + 3 NORMAL x4 = 18; DME row: 1 + 2 x4 = 9;
    # DRUSEN row: 1 + 4 = 5; NORMAL row: 2 + 3 = 5; total 37 over 199 items
    assert weighted_error(CONFUSION, np.array(KERMANY_PENALTY)) == pytest.approx(37 / 199)
    flat = 1 - np.eye(4)
    assert weighted_error(CONFUSION, flat) == pytest.approx(19 / 199)  # plain error rate


def labels_and_probs_from_confusion(conf: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y, probs = [], []
    for t in range(4):
        for p in range(4):
            for _ in range(conf[t, p]):
                row = rng.dirichlet(np.ones(4)) * 0.4
                row[p] += 0.6  # predicted class p wins the argmax
                y.append(t)
                probs.append(row)
    return np.array(y), np.array(probs)


def test_single_choice_report() -> None:
    y, probs = labels_and_probs_from_confusion(CONFUSION, 0)
    r = evaluate_single_choice(y, probs, n_boot=100, seed=1)
    assert r.confusion == CONFUSION.tolist()
    assert r.accuracy == pytest.approx(180 / 199)
    assert r.weighted_error == pytest.approx(37 / 199)
    assert r.penalty == [list(map(float, row)) for row in KERMANY_PENALTY]
    urgent_truth = np.isin(y, [0, 1])
    assert r.urgent is not None and r.urgent_classes == ["CNV", "DME"]
    assert r.urgent.auroc == pytest.approx(roc_auc_score(urgent_truth, probs[:, 0] + probs[:, 1]))
    assert r.urgent.n_positive == 99
    assert r.per_class["NORMAL"].auroc == pytest.approx(roc_auc_score(y == 3, probs[:, 3]))
    json.dumps(r.to_dict(), allow_nan=False)


def test_single_choice_bad_input() -> None:
    with pytest.raises(EvaluationError, match="class indices"):
        evaluate_single_choice(np.array([0, 4]), np.full((2, 4), 0.25))
    with pytest.raises(EvaluationError, match="zero diagonal"):
        weighted_error(CONFUSION, np.ones((4, 4)))


def delong_reference(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """DeLong's variance of AUC(a) - AUC(b) from the O(m n) kernel definition."""
    from scipy.stats import norm

    pos, neg = y == 1, y == 0

    def components(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        x, z = s[pos][:, None], s[neg][None, :]
        psi = (x > z) + 0.5 * (x == z)
        return psi.mean(axis=1), psi.mean(axis=0), psi.mean()

    v10a, v01a, auc_a = components(a)
    v10b, v01b, auc_b = components(b)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    s = s10 / pos.sum() + s01 / neg.sum()
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    return float(2 * norm.sf(abs(auc_a - auc_b) / np.sqrt(var)))


def test_delong_matches_the_kernel_definition() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(150) < 0.4).astype(int)
    a = np.round(y * 0.8 + rng.normal(0, 0.5, 150), 1)  # rounded: ties exercise the mid-ranks
    b = np.round(y * 0.4 + rng.normal(0, 0.5, 150), 1)
    auc_a, auc_b, p = delong_test(y, a, b)
    assert auc_a == pytest.approx(roc_auc_score(y, a))
    assert auc_b == pytest.approx(roc_auc_score(y, b))
    assert p == pytest.approx(delong_reference(y, a, b), rel=1e-9)
    assert p < 0.05
    assert delong_test(y, a, a)[2] == 1.0


def test_compare_models_per_finding() -> None:
    rng = np.random.default_rng(9)
    n = 400
    y = (rng.random((n, 2)) < 0.3).astype(float)
    production = np.clip(0.25 * y + rng.normal(0.4, 0.2, (n, 2)), 0, 1)
    candidate = production.copy()
    candidate[:, 0] = np.clip(0.6 * y[:, 0] + rng.normal(0.3, 0.15, n), 0, 1)  # clearly better on A
    c = compare_models(y, candidate, production, ("A", "B"), n_boot=200, seed=2)
    a, b = c.findings["A"], c.findings["B"]
    assert a.delta > 0.1 and a.p_delong < 0.001 and a.p_bootstrap < 0.01
    assert a.delta_ci_low < a.delta < a.delta_ci_high and a.delta_ci_low > 0
    assert b.delta == 0.0 and b.p_delong == 1.0
    assert c.significantly_better == ["A"] and not c.significantly_worse and c.candidate_better
    assert c.macro_delta == pytest.approx(a.delta / 2)
    reverse = compare_models(y, production, candidate, ("A", "B"), n_boot=50, seed=2)
    assert reverse.significantly_worse == ["A"] and not reverse.candidate_better
    again = paired_bootstrap_delta(y[:, 0], candidate[:, 0], production[:, 0], n_boot=200, seed=2)
    assert again[:2] == (a.delta_ci_low, a.delta_ci_high)
    json.dumps(c.to_dict(), allow_nan=False)
