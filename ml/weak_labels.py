"""Training targets from adjudicated labels (strong) plus NLP labels (weak), CheXpert-style.

Inputs are `[N, C]` float arrays in the CheXpert labeler's convention: 1 positive, 0 negative,
-1 uncertain, NaN blank (not mentioned / not adjudicated). Per item and finding:

1. An adjudicated value wins over the NLP value for the same item and finding, with weight 1.
2. Otherwise the NLP value is used (when `use_weak`), with weight `weak_weight` (0 < w <= 1).
3. Uncertain (-1), from either source, follows the uncertainty policy of Irvin et al. 2019
   (CheXpert): `ignore` (U-Ignore: masked out of the loss), `ones` (U-Ones: -> 1), `zeros`
   (U-Zeros: -> 0).
4. Blank follows `blank`: `mask` (default: not mentioned is not the same as absent, so it is left
   out of the loss) or `negative` (the CheXpert paper's baselines read blank as 0; it applies only
   to the NLP source, never to a missing adjudication).

The result's `weights` array is the `mask` that `ml.nets.train.fit` accepts (its loss is
`sum(bce * mask) / sum(mask)`, so fractional weights weight the loss). Build validation and test
targets with `use_weak=False`: they must be adjudicated only.

Single-choice schemas (OCT) use `single_choice_targets`: one class index per item, adjudicated
first, else the NLP class; items with neither are left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

UNCERTAINTY_POLICIES: tuple[str, ...] = ("ignore", "ones", "zeros")
BLANK_POLICIES: tuple[str, ...] = ("mask", "negative")
SOURCE_NONE, SOURCE_ADJUDICATED, SOURCE_NLP = 0, 1, 2


class WeakLabelError(ValueError):
    """A label array or a weak-label policy is unusable."""


@dataclass(frozen=True)
class WeakLabelPolicy:
    """How NLP labels join the adjudicated ones in a training run (stored with the run)."""

    uncertainty: str = "ignore"
    weak_weight: float = 1.0
    use_weak: bool = True
    blank: str = "mask"

    def __post_init__(self) -> None:
        if self.uncertainty not in UNCERTAINTY_POLICIES:
            raise WeakLabelError(
                f"uncertainty policy must be one of {UNCERTAINTY_POLICIES} (U-Ignore, U-Ones, U-Zeros), "
                f"got {self.uncertainty!r}"
            )
        if self.blank not in BLANK_POLICIES:
            raise WeakLabelError(f"blank policy must be one of {BLANK_POLICIES}, got {self.blank!r}")
        if not isinstance(self.weak_weight, int | float) or not 0.0 < float(self.weak_weight) <= 1.0:
            raise WeakLabelError(f"weak_weight must be in (0, 1], got {self.weak_weight!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeakLabelPolicy:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError as exc:
            raise WeakLabelError(f"malformed weak-label policy: {exc}") from exc


@dataclass(frozen=True)
class TrainingTargets:
    """Multi-label targets `[N, C]` (0/1), loss weights (0 = masked) and each cell's source."""

    targets: np.ndarray  # float32
    weights: np.ndarray  # float32
    source: np.ndarray  # int8: 0 none, 1 adjudicated, 2 NLP

    @property
    def mask(self) -> np.ndarray:
        return self.weights > 0

    def rows_with_labels(self) -> np.ndarray:
        """Indices of items with at least one finding in the loss."""
        return np.flatnonzero(self.mask.any(axis=1))

    def counts(self) -> dict[str, int]:
        m = self.mask
        return {
            "adjudicated": int((m & (self.source == SOURCE_ADJUDICATED)).sum()),
            "weak": int((m & (self.source == SOURCE_NLP)).sum()),
            "masked": int((~m).sum()),
            "positive": int((m & (self.targets > 0.5)).sum()),
        }


def _labels(name: str, value: Any, shape: tuple[int, ...] | None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise WeakLabelError(f"{name} labels must be numeric: {exc}") from exc
    if arr.ndim != 2:
        raise WeakLabelError(f"{name} labels must be [items, findings], got shape {arr.shape}")
    if shape is not None and arr.shape != shape:
        raise WeakLabelError(f"{name} labels have shape {arr.shape}, expected {shape}")
    known = arr[~np.isnan(arr)]
    if not np.isin(known, (-1.0, 0.0, 1.0)).all():
        raise WeakLabelError(f"{name} labels must be 1, 0, -1 or blank (NaN)")
    return arr


def _resolve(
    values: np.ndarray, policy: WeakLabelPolicy, blank_negative: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(targets, known) for one source after the uncertainty and blank policies."""
    targets = np.where(values == 1.0, 1.0, 0.0)
    known = (values == 1.0) | (values == 0.0)
    uncertain = values == -1.0
    if policy.uncertainty == "ones":
        targets = np.where(uncertain, 1.0, targets)
        known |= uncertain
    elif policy.uncertainty == "zeros":
        known |= uncertain
    if blank_negative:
        known |= np.isnan(values)
    return targets, known


def build_targets(
    adjudicated: np.ndarray, nlp: np.ndarray | None = None, policy: WeakLabelPolicy | None = None
) -> TrainingTargets:
    """Targets and weights for a multi-label run (see the module docstring)."""
    policy = policy or WeakLabelPolicy()
    strong = _labels("adjudicated", adjudicated, None)
    t_strong, k_strong = _resolve(strong, policy, blank_negative=False)
    targets = np.where(k_strong, t_strong, 0.0)
    weights = np.where(k_strong, 1.0, 0.0)
    source = np.where(k_strong, SOURCE_ADJUDICATED, SOURCE_NONE)
    # an adjudicated value of any kind (even uncertain and ignored) claims the cell from the NLP
    claimed = ~np.isnan(strong)
    if nlp is not None and policy.use_weak:
        weak = _labels("nlp", nlp, strong.shape)
        t_weak, k_weak = _resolve(weak, policy, blank_negative=policy.blank == "negative")
        take = k_weak & ~claimed
        targets = np.where(take, t_weak, targets)
        weights = np.where(take, float(policy.weak_weight), weights)
        source = np.where(take, SOURCE_NLP, source)
    return TrainingTargets(
        targets=targets.astype(np.float32),
        weights=weights.astype(np.float32),
        source=source.astype(np.int8),
    )


@dataclass(frozen=True)
class SingleChoiceTargets:
    """Rows that have a class, their class index, loss weight and source."""

    rows: np.ndarray
    classes: np.ndarray
    weights: np.ndarray
    source: np.ndarray


def single_choice_targets(
    adjudicated: np.ndarray,
    nlp: np.ndarray | None = None,
    *,
    n_classes: int,
    use_weak: bool = True,
    weak_weight: float = 1.0,
) -> SingleChoiceTargets:
    """Class per item (adjudicated first, else NLP); -1 = unknown. Unknown items are left out."""
    strong = np.asarray(adjudicated, dtype=np.int64)
    if strong.ndim != 1:
        raise WeakLabelError(f"adjudicated classes must be a vector, got shape {strong.shape}")
    if not 0.0 < weak_weight <= 1.0:
        raise WeakLabelError(f"weak_weight must be in (0, 1], got {weak_weight!r}")
    weak = np.full_like(strong, -1) if nlp is None or not use_weak else np.asarray(nlp, dtype=np.int64)
    if weak.shape != strong.shape:
        raise WeakLabelError(f"nlp classes have shape {weak.shape}, expected {strong.shape}")
    for name, arr in (("adjudicated", strong), ("nlp", weak)):
        if ((arr < -1) | (arr >= n_classes)).any():
            raise WeakLabelError(f"{name} classes must be -1 (unknown) or in [0, {n_classes})")
    cls = np.where(strong >= 0, strong, weak)
    rows = np.flatnonzero(cls >= 0)
    src = np.where(strong[rows] >= 0, SOURCE_ADJUDICATED, SOURCE_NLP).astype(np.int8)
    w = np.where(src == SOURCE_ADJUDICATED, 1.0, float(weak_weight)).astype(np.float32)
    return SingleChoiceTargets(rows=rows, classes=cls[rows], weights=w, source=src)
