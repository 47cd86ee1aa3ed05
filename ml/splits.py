"""Patient-level train / validation / test splits that never leak and never drift.

A patient's split is a pure function of (salt, patient id, fractions): SHA-256 of the salted id
gives a number u in [0, 1), and u < test goes to test, u < test + validation to validation, the
rest to train. So

* every image of a patient lands in the same split (no patient straddles splits);
* the split does not depend on which items exist today: adding items (or patients) never moves an
  existing one, so the adjudicated test set stays fixed between training runs and runs compare;
* test takes the *lowest* hash interval, so changing the train / validation fractions leaves the
  test set unchanged; only the test fraction or the salt can change it.

Keep one salt per dataset for its lifetime (e.g. the dataset's UUID); record `SplitConfig.to_dict()`
with each run. Items with no patient id are refused (`SplitError`) unless `allow_missing_patient`
makes each such item its own patient.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

TRAIN = "train"
VALIDATION = "validation"
TEST = "test"
SPLITS: tuple[str, ...] = (TRAIN, VALIDATION, TEST)
SPLIT_CODES: dict[str, int] = {TRAIN: 0, VALIDATION: 1, TEST: 2}


class SplitError(ValueError):
    """A split configuration or a patient id is unusable."""


@dataclass(frozen=True)
class SplitConfig:
    """Fractions of patients per split and the dataset's salt."""

    salt: str
    train: float = 0.7
    validation: float = 0.1
    test: float = 0.2
    allow_missing_patient: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.salt, str) or not self.salt:
            raise SplitError("a split needs a non-empty salt (use the dataset's stable id)")
        fr = (self.train, self.validation, self.test)
        if any(not isinstance(f, int | float) or f < 0 for f in fr):
            raise SplitError(f"split fractions must be non-negative numbers, got {fr}")
        if abs(sum(fr) - 1.0) > 1e-9:
            raise SplitError(f"split fractions must sum to 1, got {sum(fr):.6f} from {fr}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SplitConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError as exc:
            raise SplitError(f"malformed split config: {exc}") from exc


def patient_unit(salt: str, patient_id: Any) -> float:
    """The patient's position u in [0, 1), from SHA-256 of the salted id."""
    digest = hashlib.sha256(f"{salt}\x1f{patient_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_split(patient_id: Any, config: SplitConfig) -> str:
    """`train`, `validation` or `test` for one patient (see the module docstring)."""
    if patient_id is None or (isinstance(patient_id, str) and not patient_id.strip()):
        raise SplitError("patient id is missing; every item needs one for a patient-level split")
    u = patient_unit(config.salt, patient_id)
    if u < config.test:
        return TEST
    if u < config.test + config.validation:
        return VALIDATION
    return TRAIN


@dataclass(frozen=True)
class SplitAssignment:
    """Per-item split names and index arrays for each split (positions in the input order)."""

    splits: list[str]
    train: np.ndarray = field(repr=False)
    validation: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)

    def counts(self) -> dict[str, int]:
        return {TRAIN: len(self.train), VALIDATION: len(self.validation), TEST: len(self.test)}

    def indices(self, split: str) -> np.ndarray:
        if split not in SPLITS:
            raise SplitError(f"unknown split {split!r}; choose one of {SPLITS}")
        return getattr(self, split)


def split_items(item_ids: Sequence[Any], patient_ids: Sequence[Any], config: SplitConfig) -> SplitAssignment:
    """Assign each item the split of its patient."""
    if len(item_ids) != len(patient_ids):
        raise SplitError(f"{len(item_ids)} items but {len(patient_ids)} patient ids")
    names: list[str] = []
    cache: dict[Any, str] = {}
    for item, patient in zip(item_ids, patient_ids, strict=True):
        missing = patient is None or (isinstance(patient, str) and not patient.strip())
        if missing:
            if not config.allow_missing_patient:
                raise SplitError(
                    f"item {item!r} has no patient id; set allow_missing_patient to treat such items"
                    " as their own patients"
                )
            key: Any = ("item", item)
            patient = f"\x00item:{item}"
        else:
            key = patient
        if key not in cache:
            cache[key] = assign_split(patient, config)
        names.append(cache[key])
    arr = np.asarray(names)
    return SplitAssignment(
        splits=names,
        train=np.flatnonzero(arr == TRAIN),
        validation=np.flatnonzero(arr == VALIDATION),
        test=np.flatnonzero(arr == TEST),
    )
