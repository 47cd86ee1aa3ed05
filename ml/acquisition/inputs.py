"""`AcquisitionInputs`: everything a strategy may look at, as plain arrays, validated once.

Rows are items (images); columns are findings (multi-label) or classes (single choice). Only
`ids` is required; each strategy says which of the optional arrays it needs and raises
`MissingInputError` naming it when absent.

* `probs` `[N, C]`: the current model's probabilities (sigmoid per finding, or softmax rows).
* `samples` `[S, N, C]`: S stochastic predictions (MC-dropout passes or ensemble members).
* `nlp` `[N, C]`: NLP labels in the CheXpert convention, 1 positive, 0 negative, -1 uncertain,
  NaN blank (not mentioned). For single-choice schemas, a one-hot row (NaN where unknown).
* `embeddings` `[N, D]`: the model's penultimate features (for diversity).
* `labelled` `[N]` bool: items that already have an adjudicated label (never ranked; diversity and
  rarity start from them).
* `prevalence` `[C]`: per-finding prevalence among the labelled items (for the rarity boost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ml.acquisition.errors import InputsError, MissingInputError

ItemId = Any  # int or str: whatever the caller uses (image primary keys in the platform)


def _float_array(name: str, value: Any, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputsError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != ndim:
        raise InputsError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    return arr


@dataclass(frozen=True)
class AcquisitionInputs:
    """The arrays a strategy scores (see the module docstring for each field's meaning)."""

    ids: Sequence[ItemId]
    probs: np.ndarray | None = None
    samples: np.ndarray | None = None
    nlp: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    labelled: np.ndarray | None = None
    prevalence: np.ndarray | None = None
    multilabel: bool = True
    findings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        ids = list(self.ids)
        n = len(ids)
        if len(set(map(_id_key, ids))) != n:
            raise InputsError("ids must be unique")
        object.__setattr__(self, "ids", ids)
        c: int | None = None

        def check_columns(name: str, arr: np.ndarray) -> None:
            nonlocal c
            if c is None:
                c = arr.shape[-1]
            elif arr.shape[-1] != c:
                raise InputsError(f"{name} has {arr.shape[-1]} columns but another input has {c}")

        if self.probs is not None:
            p = _float_array("probs", self.probs, 2)
            if p.shape[0] != n:
                raise InputsError(f"probs has {p.shape[0]} rows for {n} ids")
            if np.isnan(p).any() or p.min() < 0 or p.max() > 1:
                raise InputsError("probs must be probabilities in [0, 1] without NaN")
            check_columns("probs", p)
            object.__setattr__(self, "probs", p)
        if self.samples is not None:
            s = _float_array("samples", self.samples, 3)
            if s.shape[1] != n or s.shape[0] < 2:
                raise InputsError(f"samples must be [S >= 2, N={n}, C], got shape {s.shape}")
            if np.isnan(s).any() or s.min() < 0 or s.max() > 1:
                raise InputsError("samples must be probabilities in [0, 1] without NaN")
            check_columns("samples", s)
            object.__setattr__(self, "samples", s)
        if self.nlp is not None:
            q = _float_array("nlp", self.nlp, 2)
            if q.shape[0] != n:
                raise InputsError(f"nlp has {q.shape[0]} rows for {n} ids")
            known = q[~np.isnan(q)]
            if not np.isin(known, (-1.0, 0.0, 1.0)).all():
                raise InputsError("nlp labels must be 1, 0, -1 or NaN (blank)")
            check_columns("nlp", q)
            object.__setattr__(self, "nlp", q)
        if self.embeddings is not None:
            e = _float_array("embeddings", self.embeddings, 2)
            if e.shape[0] != n:
                raise InputsError(f"embeddings has {e.shape[0]} rows for {n} ids")
            if not np.isfinite(e).all():
                raise InputsError("embeddings must be finite")
            object.__setattr__(self, "embeddings", e)
        if self.labelled is None:
            object.__setattr__(self, "labelled", np.zeros(n, dtype=bool))
        else:
            m = np.asarray(self.labelled)
            if m.shape != (n,):
                raise InputsError(f"labelled must be a boolean vector of length {n}, got shape {m.shape}")
            object.__setattr__(self, "labelled", m.astype(bool))
        if self.prevalence is not None:
            v = _float_array("prevalence", self.prevalence, 1)
            if np.isnan(v).any() or v.min() < 0 or v.max() > 1:
                raise InputsError("prevalence must be fractions in [0, 1]")
            check_columns("prevalence", v)
            object.__setattr__(self, "prevalence", v)
        if self.findings and c is not None and len(self.findings) != c:
            raise InputsError(f"{len(self.findings)} finding names for {c} columns")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def n_columns(self) -> int | None:
        for arr in (self.probs, self.nlp, self.prevalence):
            if arr is not None:
                return int(arr.shape[-1])
        return None if self.samples is None else int(self.samples.shape[-1])

    def need(self, name: str, strategy: str) -> np.ndarray:
        """The named optional array, or MissingInputError saying which strategy needs it."""
        value = getattr(self, name)
        if value is None:
            raise MissingInputError(f"strategy {strategy!r} needs {name!r}, which was not provided")
        return value


def _id_key(item_id: ItemId) -> tuple[str, str]:
    return (type(item_id).__name__, str(item_id))
