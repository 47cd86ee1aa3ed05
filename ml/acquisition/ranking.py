"""From scores to a worklist order: `rank` (deterministic ties) and `rank_normalise`.

Higher score = read sooner. Ties are broken by ascending item id (numerically when every id is an
integer, else by the ids' text), NaN scores go last, and excluded items (already labelled, open QC
flags) are left out, so the same scores always give the same worklist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

from ml.acquisition.errors import InputsError
from ml.acquisition.inputs import ItemId


def _id_sort_keys(ids: Sequence[ItemId]) -> np.ndarray:
    if all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in ids):
        return np.asarray(ids, dtype=np.int64)
    return np.asarray([str(i) for i in ids], dtype=str)


def rank_order(ids: Sequence[ItemId], scores: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of the eligible items, best first (score descending, then id ascending)."""
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != (len(ids),):
        raise InputsError(f"{len(ids)} ids but scores have shape {s.shape}")
    order = np.lexsort((_id_sort_keys(ids), -s)) if len(ids) else np.zeros(0, dtype=np.int64)
    if exclude is not None:
        ex = np.asarray(exclude, dtype=bool)
        if ex.shape != s.shape:
            raise InputsError(f"exclude mask has shape {ex.shape}, expected {s.shape}")
        order = order[~ex[order]]
    return order


def rank(
    ids: Sequence[ItemId], scores: np.ndarray, k: int | None = None, *, exclude: np.ndarray | None = None
) -> list[ItemId]:
    """The top `k` ids (all when `k` is None) in worklist order; see the module docstring."""
    if k is not None and k < 0:
        raise InputsError(f"k must be >= 0, got {k}")
    order = rank_order(ids, scores, exclude)
    if k is not None:
        order = order[:k]
    ids_list = list(ids)
    return [ids_list[i] for i in order]


def rank_normalise(scores: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """Scores -> average ranks scaled to [0, 1] among `eligible` items (others get 0).

    Ties share their average rank, so a constant component maps to 0.5 everywhere and adds no
    ordering; NaN counts as the lowest score. This makes components on different scales (entropy in
    nats, distances, counts) comparable before they are weighted.
    """
    s = np.asarray(scores, dtype=np.float64)
    out = np.zeros(s.shape, dtype=np.float64)
    mask = np.ones(s.shape, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    vals = s[mask]
    if vals.size == 0:
        return out
    if vals.size == 1:
        out[mask] = 1.0
        return out
    vals = np.where(np.isnan(vals), -np.inf, vals)
    out[mask] = (rankdata(vals, method="average") - 1.0) / (vals.size - 1.0)
    return out
