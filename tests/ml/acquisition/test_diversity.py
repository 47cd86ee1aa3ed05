"""k-center greedy diversity: far points first, starting from the labelled set."""

from __future__ import annotations

import numpy as np

from ml.acquisition import (
    AcquisitionInputs,
    EntropyStrategy,
    KCenterStrategy,
    WeightedCombination,
    acquire,
    greedy_order,
    min_distance_to_set,
)


def line_points() -> np.ndarray:
    # 1-D points on a line (as 2-D embeddings), labelled cluster near 0
    xs = np.array([0.0, 0.1, 0.2, 5.0, 5.1, 10.0, 2.0])
    return np.stack([xs, np.zeros_like(xs)], axis=1)


def test_min_distance_to_labelled_set() -> None:
    x = line_points()
    d = min_distance_to_set(x, np.array([1, 0, 0, 0, 0, 1, 0], dtype=bool))
    np.testing.assert_allclose(d, [0.0, 0.1, 0.2, 5.0, 4.9, 0.0, 2.0])
    assert np.isinf(min_distance_to_set(x, np.zeros(7, dtype=bool))).all()


def test_kcenter_picks_the_far_point_then_covers_the_gap() -> None:
    x = line_points()
    labelled = np.array([True, False, False, False, False, False, False])
    picked, d = greedy_order(x, labelled, 3, normalise=False)
    # farthest from {0}: 10.0 (idx 5); then farthest from {0, 10}: 5.0 (idx 3, distance 5);
    # then from {0, 5, 10}: 2.0 (idx 6, distance 2)
    assert picked.tolist() == [5, 3, 6]
    np.testing.assert_allclose(d[[1, 2, 4]], [0.1, 0.2, 0.1])


def test_kcenter_strategy_scores_reproduce_the_greedy_batch() -> None:
    x = line_points()
    batch = AcquisitionInputs(
        ids=["l", "a", "b", "c", "d", "far", "mid"],
        embeddings=x,
        labelled=np.array([True, False, False, False, False, False, False]),
    )
    ranking = acquire(KCenterStrategy(batch_size=2, normalise=False), batch)
    assert ranking.ids[:2] == ["far", "c"]
    # after the batch the rest follow their distance to labelled + picked: mid (2.0), b (0.2), then
    # a and d tie at 0.1 -> id order
    assert ranking.ids[2:] == ["mid", "b", "a", "d"]
    assert ranking.scores[0] > ranking.scores[1] > 1.0 > ranking.scores[2]


def test_kcenter_without_labels_starts_near_the_centroid() -> None:
    x = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [9.0, 0.0]])  # centroid 3.0 -> nearest is 2.0
    picked, _ = greedy_order(x, np.zeros(4, dtype=bool), 2, normalise=False)
    assert picked.tolist() == [2, 3]


def test_combination_with_diversity_avoids_near_duplicates() -> None:
    # three near-identical uncertain items and one slightly less uncertain item far away
    emb = np.array([[1.0, 0.0], [1.0, 0.01], [1.0, 0.02], [0.0, 1.0], [0.7, 0.7]])
    probs = np.array([[0.5], [0.49], [0.48], [0.4], [0.05]])
    labelled = np.array([False, False, False, False, True])
    batch = AcquisitionInputs(
        ids=["u0", "u1", "u2", "far", "lab"], probs=probs, embeddings=emb, labelled=labelled
    )
    plain = WeightedCombination({"entropy": (EntropyStrategy(), 1.0)})
    assert acquire(plain, batch, 2).ids == ["u0", "u1"]
    diverse = WeightedCombination({"entropy": (EntropyStrategy(), 1.0)}, diversity_weight=1.0, batch_size=2)
    assert acquire(diverse, batch, 2).ids == ["u0", "far"]
