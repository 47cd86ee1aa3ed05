"""Retrieval precision@k per finding against random neighbours (no Django)."""

import math

import numpy as np

from ml.retrieval import evaluate_retrieval, precision_at_k
from ml.retrieval.evaluation import group_excluded_neighbours, random_neighbours


def test_precision_at_k_by_hand():
    positive = np.array([[1, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)
    neighbours = np.array([[1, 2], [0, -1], [3, 0]])  # queries: rows 0, 1, 2
    precision, n = precision_at_k(positive, neighbours, np.array([0, 1, 2]))
    # finding 0: query 0 -> rows 1,2 -> 1/2; query 1 -> row 0 only -> 1; query 2 is negative.
    assert n.tolist() == [2, 1]
    assert precision[0] == (0.5 + 1.0) / 2
    # finding 1: query 2 -> rows 3,0 -> 1/2.
    assert precision[1] == 0.5


def test_neighbours_never_come_from_the_query_group():
    x = np.array([[1, 0], [1, 0.01], [0.9, 0.1], [0, 1]], dtype=float)
    groups = np.array([5, 5, 6, 7])
    nb = group_excluded_neighbours(x, groups, 2, np.array([0, 3]))
    assert nb.tolist() == [[2, 3], [2, 1]]  # row 1 ([1, 0.01]) is a hair nearer [0, 1] than row 0
    rnd = random_neighbours(groups, 2, np.array([0, 1, 2, 3]), np.random.default_rng(0))
    for q, row in enumerate(rnd):
        assert all(groups[r] != groups[q] for r in row) and len(set(row)) == 2


def test_clustered_embeddings_beat_random_neighbours():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 16))
    which = np.repeat(np.arange(4), 50)
    x = centres[which] + 0.2 * rng.standard_normal((200, 16))
    positive = np.stack([which == 0, which == 1, np.zeros(200, bool)], axis=1)
    ev = evaluate_retrieval(x, positive, np.arange(200), ["a", "b", "never"], k=10, seed=1)
    a, b, never = ev.findings
    assert a.queries == 50 and a.precision == 1.0 and b.precision == 1.0
    assert 0.1 < a.random_precision < 0.45  # about the prevalence, 0.25
    assert a.lift > 2
    assert never.queries == 0 and math.isnan(never.precision)
    out = ev.as_dict()
    assert out["findings"][2]["precision"] is None and out["macro_precision"] == 1.0
    sample = evaluate_retrieval(x, positive, np.arange(200), ["a", "b", "never"], k=5, max_queries=40)
    assert sample.queries == 40 and sample.items == 200
