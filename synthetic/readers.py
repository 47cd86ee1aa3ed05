"""Simulated radiologists with known per-reader error rates.

A reader sees the truth for one item and answers each finding positive / negative / uncertain.
For a finding that is truly present it answers "uncertain" with probability ``uncertain_rate``,
"negative" with probability ``false_negative_rate`` and "positive" otherwise; for an absent finding
"uncertain" with ``uncertain_rate``, "positive" with ``false_positive_rate``, "negative" otherwise.
So the rates are exact marginal probabilities and tests can measure them. Answers depend only on
(seed, profile name, item key, finding), never on call order, so re-reading an item gives the same
answer and adding items never changes earlier reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from synthetic.errors import SyntheticDataError

POSITIVE = "positive"
NEGATIVE = "negative"
UNCERTAIN = "uncertain"


@dataclass(frozen=True)
class ReaderProfile:
    name: str
    false_positive_rate: float
    false_negative_rate: float
    uncertain_rate: float

    def __post_init__(self) -> None:
        for field in ("false_positive_rate", "false_negative_rate", "uncertain_rate"):
            value = getattr(self, field)
            if not 0.0 <= value <= 1.0:
                raise SyntheticDataError(
                    f"ReaderProfile {self.name!r}: {field} must be in [0, 1], got {value}"
                )
        worst = self.uncertain_rate + max(self.false_positive_rate, self.false_negative_rate)
        if worst > 1.0:
            raise SyntheticDataError(
                f"ReaderProfile {self.name!r}: uncertain_rate + error rate exceeds 1 ({worst:.3f})"
            )


# A small panel with the spread seen in reader studies: an expert, two typical readers, a trainee.
DEFAULT_PANEL: tuple[ReaderProfile, ...] = (
    ReaderProfile("expert", false_positive_rate=0.02, false_negative_rate=0.05, uncertain_rate=0.02),
    ReaderProfile("attending", false_positive_rate=0.04, false_negative_rate=0.1, uncertain_rate=0.04),
    ReaderProfile("generalist", false_positive_rate=0.06, false_negative_rate=0.15, uncertain_rate=0.05),
    ReaderProfile("trainee", false_positive_rate=0.1, false_negative_rate=0.2, uncertain_rate=0.08),
)


def _uniform(seed: int, name: str, item_key: str, finding: str) -> float:
    digest = hashlib.sha256(f"{seed}\x1f{name}\x1f{item_key}\x1f{finding}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


class SimulatedReader:
    """Reads items with the error rates of ``profile``; deterministic per (seed, item_key)."""

    def __init__(self, profile: ReaderProfile, seed: int) -> None:
        if not isinstance(profile, ReaderProfile):
            raise SyntheticDataError(f"profile must be a ReaderProfile, got {type(profile).__name__}")
        self.profile = profile
        self.seed = int(seed)

    @property
    def name(self) -> str:
        return self.profile.name

    def read(self, item_key: str, truth: Mapping[str, bool]) -> dict[str, str]:
        """finding -> "positive" | "negative" | "uncertain" for every finding in ``truth``."""
        p = self.profile
        out: dict[str, str] = {}
        for finding, present in truth.items():
            u = _uniform(self.seed, p.name, str(item_key), finding)
            if u < p.uncertain_rate:
                out[finding] = UNCERTAIN
            elif present:
                out[finding] = NEGATIVE if u < p.uncertain_rate + p.false_negative_rate else POSITIVE
            else:
                out[finding] = POSITIVE if u < p.uncertain_rate + p.false_positive_rate else NEGATIVE
        return out

    def read_many(self, items: Mapping[str, Mapping[str, bool]]) -> dict[str, dict[str, str]]:
        """Convenience: read every (item_key -> truth) in ``items``."""
        return {key: self.read(key, truth) for key, truth in items.items()}


def error_rates(reads: list[tuple[bool, str]]) -> dict[str, float]:
    """Observed (false positive, false negative, uncertain) rates from (truth, answer) pairs."""
    pos = [a for t, a in reads if t]
    neg = [a for t, a in reads if not t]
    return {
        "false_positive_rate": float(np.mean([a == POSITIVE for a in neg])) if neg else float("nan"),
        "false_negative_rate": float(np.mean([a == NEGATIVE for a in pos])) if pos else float("nan"),
        "uncertain_rate": float(np.mean([a == UNCERTAIN for _t, a in reads])) if reads else float("nan"),
    }
