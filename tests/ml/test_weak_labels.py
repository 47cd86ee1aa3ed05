"""CheXpert uncertainty policies on a small table: exact targets, weights and sources."""

from __future__ import annotations

import numpy as np
import pytest

from ml.weak_labels import (
    SOURCE_ADJUDICATED,
    SOURCE_NLP,
    SOURCE_NONE,
    WeakLabelError,
    WeakLabelPolicy,
    build_targets,
    single_choice_targets,
)

N = np.nan
# rows: items; columns: findings. Adjudicated (strong) labels exist for item 0 only.
ADJ = np.array(
    [
        [1.0, 0.0, N, N],
        [N, N, N, N],
        [N, N, N, N],
    ]
)
NLP = np.array(
    [
        [0.0, 1.0, -1.0, N],  # NLP disagrees with the adjudication on 0 and 1: adjudication wins
        [1.0, 0.0, -1.0, N],
        [-1.0, N, 1.0, 0.0],
    ]
)


def test_u_ignore_masks_uncertain() -> None:
    t = build_targets(ADJ, NLP, WeakLabelPolicy("ignore", weak_weight=0.5))
    np.testing.assert_array_equal(t.targets, [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(t.weights, [[1, 1, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    a, w, z = SOURCE_ADJUDICATED, SOURCE_NLP, SOURCE_NONE
    np.testing.assert_array_equal(t.source, [[a, a, z, z], [w, w, z, z], [z, z, w, w]])


def test_u_ones_maps_uncertain_to_positive() -> None:
    t = build_targets(ADJ, NLP, WeakLabelPolicy("ones", weak_weight=0.5))
    np.testing.assert_array_equal(t.targets, [[1, 0, 1, 0], [1, 0, 1, 0], [1, 0, 1, 0]])
    np.testing.assert_array_equal(t.weights, [[1, 1, 0.5, 0], [0.5, 0.5, 0.5, 0], [0.5, 0, 0.5, 0.5]])


def test_u_zeros_maps_uncertain_to_negative() -> None:
    t = build_targets(ADJ, NLP, WeakLabelPolicy("zeros", weak_weight=1.0))
    np.testing.assert_array_equal(t.targets, [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(t.weights, [[1, 1, 1, 0], [1, 1, 1, 0], [1, 0, 1, 1]])


def test_blank_as_negative_applies_to_nlp_only() -> None:
    t = build_targets(ADJ, NLP, WeakLabelPolicy("ignore", weak_weight=0.5, blank="negative"))
    # item 0 column 3: adjudication blank, NLP blank -> NLP blank read as negative (weak)
    np.testing.assert_array_equal(t.weights[0], [1, 1, 0, 0.5])
    np.testing.assert_array_equal(t.weights[2], [0, 0.5, 0.5, 0.5])
    assert t.targets[2, 1] == 0


def test_adjudicated_only_and_counts() -> None:
    t = build_targets(ADJ, NLP, WeakLabelPolicy(use_weak=False))
    np.testing.assert_array_equal(t.weights, [[1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert t.rows_with_labels().tolist() == [0]
    assert t.counts() == {"adjudicated": 2, "weak": 0, "masked": 10, "positive": 1}


def test_adjudicated_uncertain_claims_the_cell() -> None:
    adj = np.array([[-1.0]])
    nlp = np.array([[1.0]])
    t = build_targets(adj, nlp, WeakLabelPolicy("ignore"))
    assert t.weights[0, 0] == 0  # the readers said uncertain: the report does not override them
    t = build_targets(adj, nlp, WeakLabelPolicy("zeros"))
    assert (t.targets[0, 0], t.weights[0, 0], t.source[0, 0]) == (0, 1, SOURCE_ADJUDICATED)


def test_single_choice_targets() -> None:
    r = single_choice_targets(
        np.array([2, -1, -1, 0]), np.array([1, 3, -1, 1]), n_classes=4, weak_weight=0.25
    )
    assert r.rows.tolist() == [0, 1, 3]
    assert r.classes.tolist() == [2, 3, 0]
    np.testing.assert_array_equal(r.weights, [1.0, 0.25, 1.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: WeakLabelPolicy("maybe"), "U-Ignore"),
        (lambda: WeakLabelPolicy(weak_weight=0), r"\(0, 1\]"),
        (lambda: WeakLabelPolicy(blank="zero"), "blank policy"),
        (lambda: build_targets(np.array([[2.0]])), "1, 0, -1 or blank"),
        (lambda: build_targets(np.ones((2, 2)), np.ones((2, 3))), "expected"),
        (lambda: single_choice_targets(np.array([5]), n_classes=4), r"\[0, 4\)"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(WeakLabelError, match=message):
        call()
