"""Exact cosine top-k on hand-made and random embeddings (no Django)."""

import numpy as np
import pytest

from ml.retrieval import (
    EmbeddingError,
    ExactIndex,
    decode_embedding,
    encode_embedding,
    merge_top_k,
    normalise_rows,
    search_filtered,
    stack_embeddings,
)


def test_hand_made_neighbours_rank_by_angle_not_length():
    ids = np.array([10, 20, 30, 40, 50])
    vecs = np.array(
        [
            [1.0, 0.0, 0.0],  # identical direction
            [100.0, 100.0, 0.0],  # 45 degrees, very long
            [0.0, 1.0, 0.0],  # 90 degrees
            [-1.0, 0.0, 0.0],  # opposite
            [2.0, 0.5, 0.0],  # ~14 degrees
        ]
    )
    res = ExactIndex(ids, vecs).search(np.array([3.0, 0.0, 0.0]), 5)
    assert res.ids[0].tolist() == [10, 50, 20, 30, 40]
    expected = [1.0, 2 / np.sqrt(4.25), np.sqrt(0.5), 0.0, -1.0]
    np.testing.assert_allclose(res.scores[0], expected, atol=1e-6)


def test_batched_argpartition_equals_a_full_sort():
    rng = np.random.default_rng(0)
    db = rng.standard_normal((997, 24))
    queries = rng.standard_normal((131, 24))
    ids = rng.permutation(5000)[:997]
    # A tiny block forces many query batches.
    res = ExactIndex(ids, db).search(queries, 7, block_bytes=4 * 997 * 3)
    sims = normalise_rows(queries) @ normalise_rows(db).T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :7]
    assert (res.ids == ids[order]).all()
    np.testing.assert_allclose(res.scores, np.take_along_axis(sims, order, 1), atol=1e-5)


def test_k_larger_than_the_index_pads_with_minus_one():
    res = ExactIndex([1, 2], [[1, 0], [0, 1]]).search([[1, 0.1]], 4)
    assert res.ids.tolist() == [[1, 2, -1, -1]]
    assert np.isneginf(res.scores[0, 2:]).all()
    ids, scores = res.row(0)
    assert ids.tolist() == [1, 2] and scores.shape == (2,)


def test_ties_keep_a_stable_order():
    res = ExactIndex([7, 3, 9], [[1, 0], [1, 0], [0, 1]]).search([[1, 0]], 2)
    assert res.ids[0].tolist() == [7, 3]


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        ([[1.0, np.nan]], "not finite"),
        ([[0.0, 0.0]], "all zeros"),
        ([1.0, 2.0, 3.0][0], "matrix"),
    ],
)
def test_bad_vectors_are_refused_with_a_reason(vectors, message):
    with pytest.raises(EmbeddingError, match=message):
        ExactIndex([1], vectors)


def test_bad_queries_ids_and_k():
    index = ExactIndex([1, 2], [[1, 0], [0, 1]])
    with pytest.raises(EmbeddingError, match="different models"):
        index.search([[1, 0, 0]], 1)
    with pytest.raises(EmbeddingError, match="positive whole number"):
        index.search([[1, 0]], 0)
    with pytest.raises(EmbeddingError, match="unique"):
        ExactIndex([1, 1], [[1, 0], [0, 1]])
    with pytest.raises(EmbeddingError, match="expected 2 ids"):
        ExactIndex([1], [[1, 0], [0, 1]])


def test_stored_bytes_round_trip_and_bad_blobs():
    v = np.array([0.25, -1.5, 3.0], dtype=np.float32)
    blob = encode_embedding(v)
    assert blob == v.astype("<f4").tobytes()
    np.testing.assert_array_equal(decode_embedding(blob), v)
    with pytest.raises(EmbeddingError, match="float32"):
        decode_embedding(blob[:-1])
    with pytest.raises(EmbeddingError, match="expected"):
        decode_embedding(blob, dim=4)
    with pytest.raises(EmbeddingError, match="different sizes"):
        stack_embeddings([blob, encode_embedding([1.0, 2.0])])
    with pytest.raises(EmbeddingError, match="finite"):
        encode_embedding([1.0, float("inf")])


def test_filtered_search_fetches_more_until_k_are_accepted():
    rng = np.random.default_rng(1)
    db = rng.standard_normal((500, 8))
    ids = np.arange(1000, 1500)
    index = ExactIndex(ids, db)
    q = rng.standard_normal(8)
    calls = []

    def odd_only(c):
        calls.append(len(c))
        return c % 2 == 1

    got, scores = search_filtered(index, q, 30, odd_only, overfetch=2)
    full = index.search(q, 500).row(0)[0]
    assert got.tolist() == [i for i in full.tolist() if i % 2 == 1][:30]
    assert len(calls) >= 1 and sum(calls) <= 500
    assert (np.diff(scores) <= 0).all()
    # Nothing acceptable: the whole index is tried once and an empty answer returned.
    none, _ = search_filtered(index, q, 5, lambda c: np.zeros(len(c), bool))
    assert none.size == 0


def test_merge_keeps_each_id_once_at_its_best_score():
    first = (np.array([1, 2, 3]), np.array([0.9, 0.5, 0.1]))
    second = (np.array([2, 4, -1]), np.array([0.95, 0.3, 0.0]))
    ids, scores = merge_top_k([first, second], 3)
    assert ids.tolist() == [2, 1, 4]
    np.testing.assert_allclose(scores, [0.95, 0.9, 0.3])
