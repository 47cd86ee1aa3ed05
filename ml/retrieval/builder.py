"""Choosing the index for a data size, and searching with a filter on the ids found.

Up to `exact_max` vectors the exact index is both exact and fast enough (see bench/retrieval);
past it an IVF index is built. `search_filtered` over-fetches from any index and asks the caller
which ids are acceptable (already adjudicated, not the same patient, not the query itself),
fetching more until k are found or the index is exhausted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from ml.retrieval.approximate import MIN_APPROXIMATE_SIZE, FaissIndex, IvfConfig, faiss_available
from ml.retrieval.exact import ExactIndex, check_k
from ml.retrieval.results import VectorIndex
from ml.retrieval.vectors import as_matrix, normalise_rows

log = logging.getLogger(__name__)

DEFAULT_EXACT_MAX = 50_000


def build_index(
    ids: np.ndarray,
    vectors: np.ndarray,
    *,
    exact_max: int = DEFAULT_EXACT_MAX,
    config: IvfConfig | None = None,
    normalised: bool = False,
) -> VectorIndex:
    """An exact index for up to `exact_max` vectors, else a FAISS IVF index (exact, with a warning,
    where FAISS is not installed)."""
    x = as_matrix(vectors) if normalised else normalise_rows(vectors)
    n = x.shape[0]
    if n <= max(exact_max, MIN_APPROXIMATE_SIZE - 1):
        return ExactIndex(ids, x, normalised=True)
    if not faiss_available():
        log.warning("faiss-cpu is not installed: building an exact index of %d vectors instead", n)
        return ExactIndex(ids, x, normalised=True)
    return FaissIndex.build(ids, x, config, normalised=True)


def search_filtered(
    index: VectorIndex,
    query: np.ndarray,
    k: int,
    accept: Callable[[np.ndarray], np.ndarray],
    *,
    overfetch: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """One query's k best (ids, scores) among the ids `accept` keeps.

    `accept(ids) -> bool mask` sees each candidate batch once, in rank order; the fetch grows by
    `overfetch` times until k are kept or the index has nothing more to give.
    """
    k = check_k(k)
    q = as_matrix(query, "query")
    if q.shape[0] != 1:
        raise ValueError("search_filtered takes one query vector")
    kept_ids: list[np.ndarray] = []
    kept_scores: list[np.ndarray] = []
    seen = np.zeros(0, dtype=np.int64)
    asked = 0
    fetch = max(k * overfetch, k + 16)
    while True:
        fetch = min(fetch, index.size)
        if fetch <= asked:
            break
        asked = fetch
        ids, scores = index.search(q, fetch).row(0)
        # Candidates already judged are skipped (an approximate index need not return a prefix).
        new = ~np.isin(ids, seen)
        new_ids, new_scores = ids[new], scores[new]
        seen = np.concatenate([seen, new_ids])
        if new_ids.size:
            mask = np.asarray(accept(new_ids), dtype=bool)
            kept_ids.append(new_ids[mask])
            kept_scores.append(new_scores[mask])
        got = sum(a.size for a in kept_ids)
        # An IVF search returns fewer than asked when its scanned cells run out: nothing more comes.
        if got >= k or fetch >= index.size or ids.size < fetch:
            break
        fetch *= overfetch
    if not kept_ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids, scores = np.concatenate(kept_ids), np.concatenate(kept_scores)
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]
