"""The labeler's output: a value per finding with the evidence spans that produced it.

Values are "positive", "negative", "uncertain" or None (not mentioned: blank). Evidence offsets
are character offsets into the report text as given (after bytes were decoded), so a reading
screen can highlight `text[start:end]`. `to_chexpert_value` maps a value to the CheXpert
labeler's convention: 1.0 / 0.0 / -1.0 / None (an empty cell).
"""

from dataclasses import dataclass

POSITIVE = "positive"
NEGATIVE = "negative"
UNCERTAIN = "uncertain"
VALUES = (POSITIVE, NEGATIVE, UNCERTAIN)

_TO_CHEXPERT = {POSITIVE: 1.0, NEGATIVE: 0.0, UNCERTAIN: -1.0, None: None}
_FROM_CHEXPERT = {1.0: POSITIVE, 0.0: NEGATIVE, -1.0: UNCERTAIN}


def to_chexpert_value(value: str | None) -> float | None:
    """positive -> 1.0, negative -> 0.0, uncertain -> -1.0, None (blank) -> None."""
    try:
        return _TO_CHEXPERT[value]
    except KeyError:
        raise ValueError(f"not a label value: {value!r}; expected one of {VALUES} or None") from None


def from_chexpert_value(cell: str | float | None) -> str | None:
    """A CheXpert CSV cell ("1.0", "1", "0", "-1.0", "" ...) -> label value; ValueError if it is none."""
    if cell is None:
        return None
    if isinstance(cell, str):
        cell = cell.strip()
        if cell == "" or cell.lower() == "nan":
            return None
        try:
            cell = float(cell)
        except ValueError:
            raise ValueError(f"{cell!r} is not a CheXpert label (1.0, 0.0, -1.0 or blank)") from None
    if cell != cell:  # NaN
        return None
    try:
        return _FROM_CHEXPERT[float(cell)]
    except KeyError:
        raise ValueError(f"{cell!r} is not a CheXpert label (1.0, 0.0, -1.0 or blank)") from None


@dataclass(frozen=True)
class Cue:
    """A ConText trigger ("no", "cannot be excluded") that changed a mention's value."""

    start: int
    end: int
    text: str
    category: str  # NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HYPOTHETICAL, ...
    rule: str  # the rule's literal


@dataclass(frozen=True)
class Evidence:
    """One mention of a finding and what it said."""

    start: int
    end: int
    text: str
    value: str  # this mention's own value
    section: str  # section header ("findings", "impression") or "preamble"
    kind: str  # phrase block it came from: mention / negative / uncertain
    cues: tuple[Cue, ...] = ()

    @property
    def rule(self) -> str:
        """Why this mention got its value, in words."""
        if self.kind != "mention":
            return f"[{self.kind}] phrase"
        if not self.cues:
            return "mention"
        return "; ".join(f"{c.category} '{c.text}'" for c in self.cues)


@dataclass(frozen=True)
class FindingLabel:
    finding: str
    value: str | None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ReportLabels:
    """Labels of one report in schema order (flags such as Implant last)."""

    schema: str
    version: str
    labels: tuple[FindingLabel, ...]
    error: str | None = None  # set when the report could not be labelled (all values blank)
    truncated: bool = False  # the report was longer than the labeler reads; only its start was read

    def __getitem__(self, finding: str) -> FindingLabel:
        for label in self.labels:
            if label.finding == finding:
                return label
        raise KeyError(f"{finding!r} is not a finding of schema {self.schema!r}")

    @property
    def findings(self) -> tuple[str, ...]:
        return tuple(label.finding for label in self.labels)

    def values(self) -> dict[str, str | None]:
        return {label.finding: label.value for label in self.labels}

    def chexpert_row(self) -> list[float | None]:
        """1.0 / 0.0 / -1.0 / None per finding, in order."""
        return [to_chexpert_value(label.value) for label in self.labels]
