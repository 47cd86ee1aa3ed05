"""Retrieval precision@k of a label: does a neighbour share the query's finding?

For each finding, over the queries positive for it: the mean share of their k neighbours that are
positive too. The same figure for k random neighbours (drawn in the same run, from the same pool,
under the same exclusions) is the baseline: it estimates the finding's prevalence, and the ratio
(lift) says how much the embedding helps. Neighbours of the same group (patient) are excluded, as
the similar-cases panel excludes them: a patient's other images would flatter the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ml.retrieval.errors import EmbeddingError
from ml.retrieval.exact import DEFAULT_BLOCK_BYTES, check_k, top_k_rows
from ml.retrieval.results import EMPTY_ID
from ml.retrieval.vectors import normalise_rows


@dataclass(frozen=True)
class FindingPrecision:
    finding: str
    queries: int  # queries positive for the finding (with at least one neighbour)
    prevalence: float  # share of the pool positive for it
    precision: float  # retrieval precision@k (NaN without queries)
    random_precision: float  # the same for random neighbours

    @property
    def lift(self) -> float:
        if not self.queries or self.random_precision == 0 or math.isnan(self.random_precision):
            return math.nan
        return self.precision / self.random_precision


@dataclass(frozen=True)
class RetrievalEvaluation:
    k: int
    items: int
    queries: int
    findings: list[FindingPrecision]

    @property
    def macro_precision(self) -> float:
        vals = [f.precision for f in self.findings if f.queries]
        return float(np.mean(vals)) if vals else math.nan

    @property
    def macro_random_precision(self) -> float:
        vals = [f.random_precision for f in self.findings if f.queries]
        return float(np.mean(vals)) if vals else math.nan

    def as_dict(self) -> dict:
        return {
            "k": self.k,
            "items": self.items,
            "queries": self.queries,
            "macro_precision": _num(self.macro_precision),
            "macro_random_precision": _num(self.macro_random_precision),
            "findings": [
                {k: _num(v) for k, v in asdict(f).items()} | {"lift": _num(f.lift)} for f in self.findings
            ],
        }


def _num(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def _check_labels(positive: np.ndarray, n: int) -> np.ndarray:
    pos = np.asarray(positive)
    if pos.ndim != 2 or pos.shape[0] != n:
        raise EmbeddingError(f"labels must be a [N, F] matrix with N = {n} rows; got shape {pos.shape}")
    return pos.astype(bool)


def precision_at_k(
    positive: np.ndarray, neighbours: np.ndarray, query_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per finding: (precision [F], number of queries [F]).

    `positive` [N, F] bool labels of the pool; `neighbours` [Q, k] pool rows (-1 = empty slot,
    ignored); `query_rows` [Q] the pool row of each query (its own label decides if it counts).
    """
    pos = np.asarray(positive, dtype=bool)
    nb = np.asarray(neighbours, dtype=np.int64)
    qr = np.asarray(query_rows, dtype=np.int64)
    if nb.ndim != 2 or nb.shape[0] != qr.shape[0]:
        raise EmbeddingError(f"neighbours must be [Q, k] with Q = {qr.shape[0]}; got shape {nb.shape}")
    filled = nb != EMPTY_ID
    nb_pos = pos[np.where(filled, nb, 0)] & filled[:, :, None]  # [Q, k, F]
    counts = filled.sum(axis=1)  # [Q]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = nb_pos.sum(axis=1) / counts[:, None]  # [Q, F]
    eligible = pos[qr] & (counts > 0)[:, None]  # [Q, F]
    n_q = eligible.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(eligible, share, 0.0).sum(axis=0) / n_q
    return np.where(n_q > 0, precision, np.nan), n_q


def group_excluded_neighbours(
    vectors: np.ndarray,
    groups: np.ndarray,
    k: int,
    query_rows: np.ndarray,
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> np.ndarray:
    """Exact cosine neighbours [Q, k] (pool rows, -1 padded) of the query rows, never from the
    query's own group."""
    k = check_k(k)
    x = normalise_rows(vectors)
    groups = np.asarray(groups)
    if groups.shape != (x.shape[0],):
        raise EmbeddingError(f"groups must have one entry per row ({x.shape[0]}); got shape {groups.shape}")
    _, sizes = np.unique(groups, return_counts=True)
    fetch = k + int(sizes.max()) if sizes.size else k
    rows, _ = top_k_rows(x, x[query_rows], fetch, block_bytes=block_bytes)
    out = np.full((len(query_rows), k), EMPTY_ID, dtype=np.int64)
    same = groups[rows] == groups[query_rows][:, None]
    for i in range(rows.shape[0]):
        keep = rows[i][~same[i]][:k]
        out[i, : keep.size] = keep
    return out


def random_neighbours(
    groups: np.ndarray, k: int, query_rows: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """k distinct random pool rows [Q, k] per query outside its group (-1 padded if too few)."""
    groups = np.asarray(groups)
    n = groups.shape[0]
    out = np.full((len(query_rows), k), EMPTY_ID, dtype=np.int64)
    for i, q in enumerate(np.asarray(query_rows)):
        picks: list[int] = []
        tries = 0
        while len(picks) < k and tries < 4:
            cand = rng.choice(n, size=min(n, 2 * k + 8), replace=False)
            cand = cand[groups[cand] != groups[q]]
            picks.extend(c for c in cand.tolist() if c not in picks)
            tries += 1
        if len(picks) < k:  # a dominant group: draw from the explicit complement
            allowed = np.flatnonzero(groups != groups[q])
            picks = rng.choice(allowed, size=min(k, allowed.size), replace=False).tolist()
        picks = picks[:k]
        out[i, : len(picks)] = picks
    return out


def evaluate_retrieval(
    vectors: np.ndarray,
    positive: np.ndarray,
    groups: np.ndarray,
    findings: Sequence[str],
    *,
    k: int = 10,
    max_queries: int | None = None,
    seed: int = 0,
) -> RetrievalEvaluation:
    """Precision@k per finding of exact cosine neighbours vs random neighbours, one pool.

    Every pool item is a query (or a seeded sample of `max_queries`); the pool is the same items.
    """
    k = check_k(k)
    x = normalise_rows(vectors)
    n = x.shape[0]
    pos = _check_labels(positive, n)
    if pos.shape[1] != len(findings):
        raise EmbeddingError(f"{pos.shape[1]} label columns but {len(findings)} finding names")
    rng = np.random.default_rng(seed)
    query_rows = np.arange(n)
    if max_queries is not None and max_queries < n:
        query_rows = np.sort(rng.choice(n, size=max_queries, replace=False))
    found = group_excluded_neighbours(x, groups, k, query_rows)
    rand = random_neighbours(np.asarray(groups), k, query_rows, rng)
    p_model, n_q = precision_at_k(pos, found, query_rows)
    p_rand, _ = precision_at_k(pos, rand, query_rows)
    prevalence = pos.mean(axis=0) if n else np.zeros(len(findings))
    return RetrievalEvaluation(
        k=k,
        items=n,
        queries=len(query_rows),
        findings=[
            FindingPrecision(
                finding=name,
                queries=int(n_q[j]),
                prevalence=float(prevalence[j]),
                precision=float(p_model[j]),
                random_precision=float(p_rand[j]),
            )
            for j, name in enumerate(findings)
        ],
    )
