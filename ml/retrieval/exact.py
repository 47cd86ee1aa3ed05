"""Exact cosine top-k: one matrix product per batch of queries, `argpartition` for the k best.

The database matrix holds unit rows (float32), so cosine similarity is a dot product. Queries go
in batches sized so that one batch's similarity block stays near `block_bytes` (256 MB by
default) whatever the database size; within a block `argpartition` finds the k best in linear
time and only those k are sorted.
"""

from __future__ import annotations

import numpy as np

from ml.retrieval.errors import EmbeddingError
from ml.retrieval.results import EMPTY_ID, SearchResult, empty_result
from ml.retrieval.vectors import as_ids, as_matrix, normalise_rows

DEFAULT_BLOCK_BYTES = 256 << 20


def check_k(k: int) -> int:
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise EmbeddingError(f"k must be a positive whole number; got {k!r}")
    return int(k)


def top_k_rows(
    database: np.ndarray, queries: np.ndarray, k: int, *, block_bytes: int = DEFAULT_BLOCK_BYTES
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices [Q, k'] and scores of the k' = min(k, N) largest dot products, best first.

    Both inputs must already be unit rows of the same width (this is the inner loop; `ExactIndex`
    checks and normalises). Ties keep the lower row index first.
    """
    n = database.shape[0]
    nq = queries.shape[0]
    kk = min(k, n)
    rows = np.empty((nq, kk), dtype=np.int64)
    scores = np.empty((nq, kk), dtype=np.float32)
    if kk == 0 or nq == 0:
        return rows, scores
    batch = max(1, min(nq, block_bytes // (4 * max(n, 1))))
    for start in range(0, nq, batch):
        q = queries[start : start + batch]
        sims = q @ database.T  # [b, n]
        if kk < n:
            part = np.argpartition(sims, n - kk, axis=1)[:, n - kk :]
        else:
            part = np.broadcast_to(np.arange(n), (q.shape[0], n))
        top = np.take_along_axis(sims, part, axis=1)
        # Best first; among equal scores the lower row index first (lexsort's last key is primary).
        order = np.lexsort((part, -top), axis=1)
        rows[start : start + batch] = np.take_along_axis(part, order, axis=1)
        scores[start : start + batch] = np.take_along_axis(top, order, axis=1)
    return rows, scores


class ExactIndex:
    """Brute-force cosine search over all vectors; the reference every approximate index is
    measured against, and what small data sets use."""

    kind = "exact"

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, *, normalised: bool = False) -> None:
        """`vectors` [N, D]; with `normalised=True` they are taken as unit rows as they are (a
        memory-mapped saved matrix stays mapped)."""
        if normalised:
            mat = vectors
            if mat.ndim != 2 or mat.dtype != np.float32:
                raise EmbeddingError(f"a normalised matrix must be 2-D float32; got {mat.dtype} {mat.shape}")
        else:
            mat = normalise_rows(vectors)
        self._ids = as_ids(ids, mat.shape[0])
        self._vectors = mat

    @property
    def ids(self) -> np.ndarray:
        return self._ids

    @property
    def vectors(self) -> np.ndarray:
        """The unit rows (what a saved exact index stores)."""
        return self._vectors

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def size(self) -> int:
        return int(self._vectors.shape[0])

    def search(self, queries: np.ndarray, k: int, *, block_bytes: int = DEFAULT_BLOCK_BYTES) -> SearchResult:
        """The k most similar ids per query; fewer (padded with -1) when the index holds fewer."""
        k = check_k(k)
        q = normalise_rows(as_matrix(queries, "queries"), name="queries")
        if q.shape[1] != self.dim:
            raise EmbeddingError(
                f"queries have {q.shape[1]} values per vector but the index holds {self.dim}: "
                "they come from different models"
            )
        out = empty_result(q.shape[0], k)
        if self.size == 0:
            return out
        rows, scores = top_k_rows(self._vectors, q, k, block_bytes=block_bytes)
        out.ids[:, : rows.shape[1]] = self._ids[rows]
        out.scores[:, : rows.shape[1]] = scores
        return out


__all__ = ["EMPTY_ID", "ExactIndex", "check_k", "top_k_rows"]
