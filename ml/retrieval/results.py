"""What a search returns, the interface every index implements, and merging result lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

EMPTY_ID = -1  # an empty slot when an index holds fewer than k vectors


@dataclass(frozen=True)
class SearchResult:
    """Row q holds query q's neighbours, best first: ids [Q, k] int64 (-1 = empty), scores [Q, k]
    float32 cosine similarities (-inf where empty)."""

    ids: np.ndarray
    scores: np.ndarray

    def row(self, q: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Query q's filled slots (ids, scores)."""
        keep = self.ids[q] != EMPTY_ID
        return self.ids[q][keep], self.scores[q][keep]


class VectorIndex(Protocol):
    """A cosine top-k index over unit vectors keyed by int64 ids (image ids)."""

    kind: str  # "exact" or "faiss-ivf"

    @property
    def ids(self) -> np.ndarray: ...

    @property
    def dim(self) -> int: ...

    @property
    def size(self) -> int: ...

    def search(self, queries: np.ndarray, k: int) -> SearchResult: ...


def empty_result(n_queries: int, k: int) -> SearchResult:
    return SearchResult(
        ids=np.full((n_queries, k), EMPTY_ID, dtype=np.int64),
        scores=np.full((n_queries, k), -np.inf, dtype=np.float32),
    )


def merge_top_k(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """One query's (ids, scores) lists merged: each id once (its best score), best k first."""
    best: dict[int, float] = {}
    for ids, scores in parts:
        for i, s in zip(ids.tolist(), scores.tolist(), strict=True):
            if i != EMPTY_ID and (i not in best or s > best[i]):
                best[i] = s
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
    return (
        np.array([i for i, _ in ranked], dtype=np.int64),
        np.array([s for _, s in ranked], dtype=np.float32),
    )
