"""Entropies and per-finding reductions shared by the strategies (base-2 logs: 1 bit = p 0.5)."""

from __future__ import annotations

import numpy as np

from ml.acquisition.errors import StrategyConfigError

EPS = 1e-12
REDUCTIONS = ("sum", "max", "mean")


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """Elementwise H(p) in bits: 0 at p in {0, 1}, 1 at p = 0.5."""
    q = np.clip(p, EPS, 1.0 - EPS)
    return -(q * np.log2(q) + (1.0 - q) * np.log2(1.0 - q))


def categorical_entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Entropy in bits of probability rows along `axis`."""
    q = np.clip(p, EPS, 1.0)
    return -(q * np.log2(q)).sum(axis=axis)


def check_reduce(reduce: str) -> str:
    if reduce not in REDUCTIONS:
        raise StrategyConfigError(f"reduce must be one of {REDUCTIONS}, got {reduce!r}")
    return reduce


def reduce_columns(per_column: np.ndarray, reduce: str) -> np.ndarray:
    """[N, C] -> [N] by sum, max or mean over findings."""
    if per_column.shape[1] == 0:
        return np.zeros(per_column.shape[0])
    if reduce == "sum":
        return per_column.sum(axis=1)
    if reduce == "max":
        return per_column.max(axis=1)
    return per_column.mean(axis=1)
