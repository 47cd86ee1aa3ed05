"""What a reader answers for a dataset's schema, validating that input, and turning answers into
per-finding values.

A multi-label schema asks one question per labelled finding (positive / negative / uncertain;
derived findings such as "No Finding" are never asked). A single-choice schema (OCT) asks one
question, CHOICE, answered with exactly one class; it is stored as one ReadLabel per class
(positive for the chosen class, negative for the others), so every read has a value per finding.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotations.errors import InvalidInputError
from annotations.models import Finding, LabelSchema
from annotations.models.choices import LabelValue, SchemaKind

CHOICE = "__choice__"
READ_VALUES: tuple[str, ...] = (LabelValue.POSITIVE, LabelValue.NEGATIVE, LabelValue.UNCERTAIN)


@dataclass(frozen=True)
class Answer:
    value: str  # a LabelValue for multi-label; a class key for single-choice
    comment: str = ""


@dataclass(frozen=True)
class SchemaQuestions:
    """A schema seen as the questions a reader answers."""

    kind: str
    findings: dict[str, Finding]  # every finding by key, in display order
    labelled: tuple[str, ...]  # keys readers label (multi-label) or the classes (single-choice)
    derived: tuple[str, ...]

    @property
    def single_choice(self) -> bool:
        return self.kind == SchemaKind.SINGLE_CHOICE

    @property
    def questions(self) -> tuple[str, ...]:
        return (CHOICE,) if self.single_choice else self.labelled

    def question_findings(self, question: str) -> list[Finding]:
        """The findings whose stored value a question decides."""
        if question == CHOICE:
            return [self.findings[k] for k in self.labelled]
        return [self.findings[question]]

    def expand(self, question: str, answer: str) -> dict[str, str]:
        """Per-finding values for one answer: {finding key: LabelValue}."""
        if question == CHOICE:
            return {k: LabelValue.POSITIVE if k == answer else LabelValue.NEGATIVE for k in self.labelled}
        return {question: answer}

    def answers_from_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """Answers from stored per-finding values {finding key: value} (the inverse of expand)."""
        if self.single_choice:
            chosen = [k for k in self.labelled if values.get(k) == LabelValue.POSITIVE]
            return {CHOICE: chosen[0]} if chosen else {}
        return {k: v for k, v in values.items() if k in self.labelled}

    def derive(self, values: Mapping[str, str]) -> dict[str, str]:
        """Derived findings from the labelled ones: No Finding is positive when every labelled finding
        is negative, negative when any is positive, and uncertain otherwise (some uncertain, none
        positive)."""
        if not self.derived:
            return {}
        labelled = [values[k] for k in self.labelled]
        if any(v == LabelValue.POSITIVE for v in labelled):
            value = LabelValue.NEGATIVE
        elif all(v == LabelValue.NEGATIVE for v in labelled):
            value = LabelValue.POSITIVE
        else:
            value = LabelValue.UNCERTAIN
        return dict.fromkeys(self.derived, value)

    def question_of(self, finding_key: str) -> str:
        if finding_key in self.derived:
            raise InvalidInputError(
                f"{finding_key!r} is derived from the other findings; correct those instead",
                code="derived_finding",
            )
        return CHOICE if self.single_choice else finding_key


def schema_questions(schema: LabelSchema) -> SchemaQuestions:
    findings = {f.key: f for f in schema.findings.order_by("order", "id")}
    return SchemaQuestions(
        kind=schema.kind,
        findings=findings,
        labelled=tuple(k for k, f in findings.items() if not f.is_derived),
        derived=tuple(k for k, f in findings.items() if f.is_derived),
    )


def _problem(detail: dict, key: str, item: object) -> None:
    detail.setdefault(key, []).append(item)


def parse_answers(
    q: SchemaQuestions,
    *,
    labels: Iterable[Mapping] | None,
    choice: str | None,
    required: Iterable[str],
) -> dict[str, Answer]:
    """Validate a reader's input against the schema and the questions `required` now.

    Multi-label input is `labels`: [{"finding": key, "value": positive|negative|uncertain,
    "comment": optional}], exactly one entry per required finding. Single-choice input is `choice`:
    one class key. Raises InvalidInputError whose detail lists every problem found (unknown,
    derived, duplicate, missing, not_open, bad_value), so nothing is stored from a bad request.
    """
    required = tuple(required)
    detail: dict[str, list] = {}
    answers: dict[str, Answer] = {}
    if q.single_choice:
        if labels:
            raise InvalidInputError(
                "this schema is single-choice: send `choice` (one class), not `labels`",
                detail={"classes": list(q.labelled)},
            )
        if CHOICE not in required:
            raise InvalidInputError("no question is open on this item", code="nothing_open")
        if choice is None or choice == "":
            raise InvalidInputError(
                "`choice` is required: one of the classes", detail={"classes": list(q.labelled)}
            )
        if choice not in q.labelled:
            raise InvalidInputError(
                f"{choice!r} is not a class of this schema", detail={"classes": list(q.labelled)}
            )
        return {CHOICE: Answer(choice)}
    if choice is not None:
        raise InvalidInputError("this schema is multi-label: send `labels`, not `choice`")
    if labels is None:
        raise InvalidInputError(
            "`labels` is required: one entry per finding", detail={"missing": list(required)}
        )
    for entry in labels:
        key = entry.get("finding")
        value = entry.get("value")
        if key not in q.findings:
            _problem(detail, "unknown", key)
        elif key in q.derived:
            _problem(detail, "derived", key)
        elif key in answers:
            _problem(detail, "duplicate", key)
        elif key not in required:
            _problem(detail, "not_open", key)
        elif value not in READ_VALUES:
            _problem(detail, "bad_value", {"finding": key, "value": value, "allowed": list(READ_VALUES)})
        else:
            answers[key] = Answer(value, str(entry.get("comment") or ""))
    bad = {e["finding"] for e in detail.get("bad_value", [])}
    if missing := [k for k in required if k not in answers and k not in bad]:
        detail["missing"] = missing
    if detail:
        parts = [
            f"{k}: {', '.join(map(str, v if k != 'bad_value' else [e['finding'] for e in v]))}"
            for k, v in detail.items()
        ]
        raise InvalidInputError("labels are not valid (" + "; ".join(parts) + ")", detail=detail)
    return answers
