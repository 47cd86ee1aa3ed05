"""QC flags: what a bad-image detector says about one image.

Flag kinds use the platform's QC vocabulary (`annotations` QCKind values, repeated here because this
package must not import Django): rotated, flipped (mirrored), inverted, non_frontal, wrong_body_part,
pediatric.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ROTATED = "rotated"
FLIPPED = "flipped"
INVERTED = "inverted"
NON_FRONTAL = "non_frontal"
WRONG_BODY_PART = "wrong_body_part"
PEDIATRIC = "pediatric"
FLAG_KINDS: tuple[str, ...] = (ROTATED, FLIPPED, INVERTED, NON_FRONTAL, WRONG_BODY_PART, PEDIATRIC)


@dataclass(frozen=True)
class QCFlag:
    """One detector's verdict on one image.

    `probability` is the detector's probability that the problem is present; `flagged` is whether it
    reaches the detector's threshold; `detail` holds kind-specific facts (e.g. the predicted rotation).
    """

    kind: str
    probability: float
    flagged: bool
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def raised(flags: list[list[QCFlag]]) -> list[list[QCFlag]]:
    """Keep only the flags that reached their threshold, per image."""
    return [[f for f in per_image if f.flagged] for per_image in flags]
