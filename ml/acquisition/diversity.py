"""Diversity for batch selection: k-center greedy over embeddings, starting from the labelled set.

Core-set selection (Sener & Savarese 2018): repeatedly pick the unlabelled item farthest from
everything labelled or already picked, so a batch covers the embedding space instead of piling up
near-duplicates. `greedy_order` also takes a base score (e.g. a weighted combination in [0, 1]) and
then maximises `base + weight * distance / initial_max_distance` at each step.

Scores follow the one-interface rule: the first `batch_size` picks get scores in (1, 2] in pick
order, the rest their distance to the picked-and-labelled set scaled into [0, 1), so ranking the
scores reproduces the greedy batch. Embeddings are L2-normalised first by default (cosine geometry).
"""

from __future__ import annotations

import numpy as np

from ml.acquisition.base import BaseStrategy
from ml.acquisition.errors import InputsError, StrategyConfigError
from ml.acquisition.inputs import AcquisitionInputs
from ml.acquisition.ranking import _id_sort_keys

CHUNK = 4096


def _prepare(embeddings: np.ndarray, normalise: bool) -> np.ndarray:
    x = np.asarray(embeddings, dtype=np.float64)
    if normalise:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norms > 0, norms, 1.0)
    return x


def _distances_to(x: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return np.sqrt(np.maximum(((x - centre[None, :]) ** 2).sum(axis=1), 0.0))


def min_distance_to_set(x: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each row's Euclidean distance to its nearest row among `members` (inf when there are none)."""
    idx = np.flatnonzero(members)
    out = np.full(len(x), np.inf)
    if idx.size == 0:
        return out
    sq = (x**2).sum(axis=1)
    for lo in range(0, idx.size, CHUNK):
        c = x[idx[lo : lo + CHUNK]]
        d2 = sq[:, None] - 2.0 * x @ c.T + (c**2).sum(axis=1)[None, :]
        out = np.minimum(out, np.sqrt(np.maximum(d2.min(axis=1), 0.0)))
    out[idx] = 0.0
    return out


def greedy_order(
    embeddings: np.ndarray,
    labelled: np.ndarray,
    k: int,
    *,
    base: np.ndarray | None = None,
    weight: float = 1.0,
    normalise: bool = True,
    tiebreak: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pick up to `k` unlabelled rows greedily; returns (picked indices in order, final distances).

    Without `base` this is k-center greedy; with no labelled rows the first pick is the row nearest
    the centroid. Ties go to the row with the smallest `tiebreak` key (default: the row index).
    """
    x = _prepare(embeddings, normalise)
    n = len(x)
    labelled = np.asarray(labelled, dtype=bool)
    if labelled.shape != (n,):
        raise InputsError(f"labelled mask has shape {labelled.shape}, expected ({n},)")
    keys = np.arange(n)
    if tiebreak is not None:
        keys = np.argsort(np.argsort(tiebreak, kind="stable"), kind="stable")
    d = min_distance_to_set(x, labelled)
    available = ~labelled
    finite = d[available & np.isfinite(d)]
    scale = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    picked: list[int] = []
    for _ in range(min(k, int(available.sum()))):
        if np.isinf(d[available]).all():  # nothing labelled or picked yet
            dist_term = np.zeros(n) if base is not None else -_distances_to(x, x.mean(axis=0))
        else:
            dist_term = d / scale
        obj = dist_term if base is None else base + weight * dist_term
        obj = np.where(available, obj, -np.inf)
        best = obj.max()
        cands = np.flatnonzero(obj >= best - 1e-12 * max(1.0, abs(best)))
        i = int(cands[np.argmin(keys[cands])])
        picked.append(i)
        available[i] = False
        d = np.minimum(d, _distances_to(x, x[i]))
    return np.asarray(picked, dtype=np.int64), d


def order_scores(n: int, picked: np.ndarray, rest: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Scores whose ranking is `picked` first (scores in (1, 2]) then `rest` (scaled into [0, 1))."""
    out = np.asarray(rest, dtype=np.float64).copy()
    out[~np.isfinite(out)] = 0.0
    top = out.max() if n else 0.0
    out = out / top * (1.0 - 1e-6) if top > 0 else out
    b = len(picked)
    out[picked] = 1.0 + (b - np.arange(b)) / max(b, 1)
    out[excluded] = 0.0
    return out


class KCenterStrategy(BaseStrategy):
    """k-center greedy (core-set) over stored embeddings, seeded by the labelled set."""

    name = "kcenter"
    _requires_model = True

    def __init__(self, batch_size: int = 64, normalise: bool = True) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise StrategyConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        super().__init__(batch_size=batch_size, normalise=bool(normalise))

    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        emb = batch.need("embeddings", self.name)
        picked, d = greedy_order(
            emb,
            batch.labelled,
            self.params["batch_size"],
            normalise=self.params["normalise"],
            tiebreak=_id_sort_keys(batch.ids),
        )
        return order_scores(len(batch), picked, d, batch.labelled)
