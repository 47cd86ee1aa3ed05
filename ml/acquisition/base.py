"""The strategy interface: `score(inputs) -> [N] floats`, higher = read sooner.

Every strategy is a small class with a `name`, JSON `config()`, a `version` (a hash of the config and
the formula version) and a `key` (`name@hash8`, at most 40 characters) to store beside its scores:
stored scores are keyed by (item, model version, strategy key), so they are recomputed only when
the model or the strategy's configuration changes. `requires_model` says whether the scores depend
on a model (random and NLP-only strategies do not, and are stored without a model version).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from ml.acquisition.inputs import AcquisitionInputs, ItemId
from ml.acquisition.ranking import rank_order

KEY_MAX_LENGTH = 40


@runtime_checkable
class Strategy(Protocol):
    """What every acquisition strategy offers (see the module docstring)."""

    name: str

    @property
    def requires_model(self) -> bool: ...

    @property
    def version(self) -> str: ...

    @property
    def key(self) -> str: ...

    def config(self) -> dict[str, Any]: ...

    def score(self, batch: AcquisitionInputs) -> np.ndarray: ...


def config_version(config: dict[str, Any], formula_version: int) -> str:
    """A stable 16-hex-digit hash of a strategy config and its formula version."""
    text = json.dumps({"config": config, "formula": formula_version}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class BaseStrategy(ABC):
    """Shared plumbing: parameters, config, version and key. Subclasses implement `score`."""

    name: ClassVar[str] = ""
    #: bump when the scoring formula changes, so stored scores are recomputed
    formula_version: ClassVar[int] = 1
    _requires_model: ClassVar[bool] = True

    def __init__(self, **params: Any) -> None:
        self.params: dict[str, Any] = params

    @property
    def requires_model(self) -> bool:
        return self._requires_model

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **json.loads(json.dumps(self.params))}

    @property
    def version(self) -> str:
        return config_version(self.config(), self.formula_version)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version[:8]}"[:KEY_MAX_LENGTH]

    @abstractmethod
    def score(self, batch: AcquisitionInputs) -> np.ndarray:
        """One float per item; higher means read sooner."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


@dataclass(frozen=True)
class Ranking:
    """A strategy's worklist: eligible item ids best first, with their scores (JSON-ready)."""

    strategy: str  # the strategy key, `name@hash8`
    version: str
    requires_model: bool
    ids: list[ItemId] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    def top(self, k: int) -> list[ItemId]:
        return self.ids[:k]

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "version": self.version,
            "requires_model": self.requires_model,
            "ids": list(self.ids),
            "scores": [None if not np.isfinite(s) else float(s) for s in self.scores],
        }


def acquire(
    strategy: Strategy, batch: AcquisitionInputs, k: int | None = None, *, exclude: np.ndarray | None = None
) -> Ranking:
    """Score `batch` and rank its unlabelled (and not `exclude`d) items; the top `k` when given."""
    scores = np.asarray(strategy.score(batch), dtype=np.float64)
    skip = batch.labelled if exclude is None else (batch.labelled | np.asarray(exclude, dtype=bool))
    order = rank_order(batch.ids, scores, skip)
    if k is not None:
        order = order[:k]
    return Ranking(
        strategy=strategy.key,
        version=strategy.version,
        requires_model=strategy.requires_model,
        ids=[batch.ids[i] for i in order],
        scores=[float(scores[i]) for i in order],
    )
