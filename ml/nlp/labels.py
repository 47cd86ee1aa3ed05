"""The labeler's output: a value per finding with the evidence spans that produced it.

Values are "positive", "negative", "uncertain" or None (not mentioned: blank). Evidence offsets
are character offsets into the report text as given (after bytes were decoded), so a reading
screen can highlight `text[start:end]`. `to_chexpert_value` maps a value to the CheXpert
labeler's convention: 1.0 / 0.0 / -1.0 / None (an empty cell).
"""

from typing import NamedTuple

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


class Cue(NamedTuple):
    """A ConText trigger ("no", "cannot be excluded") that changed a mention's value."""

    start: int
    end: int
    text: str
    category: str  # NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HYPOTHETICAL, ...
    rule: str  # the rule's literal


class Evidence(NamedTuple):
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


class FindingLabel(NamedTuple):
    finding: str
    value: str | None
    evidence: tuple[Evidence, ...] = ()


class ReportLabels:
    """Labels of one report in schema order (flags such as Implant last).

    Kept compact -- a tuple of values and, per finding, evidence as plain tuples -- so batches cross
    process boundaries cheaply; `labels` and `[finding]` build the FindingLabel/Evidence view.
    """

    __slots__ = ("_evidence", "_labels", "_values", "error", "findings", "schema", "truncated", "version")

    def __init__(
        self,
        schema: str,
        version: str,
        findings: tuple[str, ...],
        values: tuple[str | None, ...],
        evidence: tuple[tuple[tuple, ...], ...] | None = None,
        error: str | None = None,
        truncated: bool = False,
    ) -> None:
        if len(values) != len(findings):
            raise ValueError(f"{len(values)} values for {len(findings)} findings")
        self.schema = schema
        self.version = version
        self.findings = findings
        self._values = values
        self._evidence = evidence if evidence is not None else ((),) * len(findings)
        self.error = error  # set when the report could not be labelled (all values blank)
        self.truncated = truncated  # the report was longer than the labeler reads; its start was read
        self._labels: tuple[FindingLabel, ...] | None = None

    @property
    def labels(self) -> tuple[FindingLabel, ...]:
        if self._labels is None:
            self._labels = tuple(
                map(FindingLabel, self.findings, self._values, map(_evidence, self._evidence))
            )
        return self._labels

    def __getitem__(self, finding: str) -> FindingLabel:
        try:
            i = self.findings.index(finding)
        except ValueError:
            raise KeyError(f"{finding!r} is not a finding of schema {self.schema!r}") from None
        return FindingLabel(finding, self._values[i], _evidence(self._evidence[i]))

    def values(self) -> dict[str, str | None]:
        return dict(zip(self.findings, self._values, strict=True))

    def chexpert_row(self) -> list[float | None]:
        """1.0 / 0.0 / -1.0 / None per finding, in order."""
        return [to_chexpert_value(v) for v in self._values]

    def __reduce__(self) -> tuple:
        args = (
            self.schema,
            self.version,
            self.findings,
            self._values,
            self._evidence,
            self.error,
            self.truncated,
        )
        return (ReportLabels, args)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReportLabels):
            return NotImplemented
        return self.__reduce__()[1] == other.__reduce__()[1]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = {f: v for f, v in zip(self.findings, self._values, strict=True) if v is not None}
        extra = f", error={self.error!r}" if self.error else ""
        return f"ReportLabels({self.schema!r}, {shown}{extra})"


def _evidence(raw: tuple[tuple, ...]) -> tuple[Evidence, ...]:
    """Plain (start, end, text, value, section, kind, cues) tuples -> Evidence with Cue objects."""
    return tuple(Evidence(*e[:6], tuple(Cue(*c) for c in e[6])) for e in raw)
