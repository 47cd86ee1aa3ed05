"""Presence scores: how well "the report says this finding is there" matches a human-coded gold.

The Open-i / ChestX-ray14 evaluations (NegBio, Wang et al. 2017) score presence per finding:
predicted present = the labeler's value is positive (uncertain, negative and blank are absent),
gold present = a gold cell of 1. Per finding precision, recall and F1; macro F1 over the findings
the gold codes (at least one present report: ChestX-ray14's Hernia is never coded in Open-i, so it
is shown but left out); micro F1 over the same findings' pooled counts. `errors` lists each wrong
(report, finding) with the evidence the labeler used and the rule that fired, for the confusion
list and for finding the rule to fix.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ml.nlp.labels import POSITIVE, Evidence


@dataclass(frozen=True)
class PresenceScore:
    tp: int
    fp: int
    fn: int

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


@dataclass(frozen=True)
class PresenceError:
    uid: str
    finding: str
    kind: str  # "false positive" / "false negative"
    predicted: str | None  # the labeler's value (positive / negative / uncertain / None)
    evidence: tuple[Evidence, ...]

    def line(self) -> str:
        if not self.evidence:
            said = "no mention found"
        else:
            said = "; ".join(f"{e.text!r} [{e.start}:{e.end}] -> {e.value} ({e.rule})" for e in self.evidence)
        return f"{self.uid}\t{self.finding}\t{self.kind}\t{self.predicted or 'blank'}\t{said}"


@dataclass(frozen=True)
class PresenceEvaluation:
    name: str
    n_reports: int
    findings: tuple[str, ...]
    scores: dict[str, PresenceScore]
    errors: tuple[PresenceError, ...]

    @property
    def coded(self) -> tuple[str, ...]:
        """Findings the gold codes at least once: those the averages are over."""
        return tuple(f for f in self.findings if self.scores[f].support)

    @property
    def macro_f1(self) -> float:
        coded = self.coded
        return sum(self.scores[f].f1 for f in coded) / len(coded) if coded else 0.0

    @property
    def micro(self) -> PresenceScore:
        coded = self.coded
        return PresenceScore(
            sum(self.scores[f].tp for f in coded),
            sum(self.scores[f].fp for f in coded),
            sum(self.scores[f].fn for f in coded),
        )

    @property
    def worst(self) -> tuple[str, float]:
        coded = self.coded or self.findings
        finding = min(coded, key=lambda f: self.scores[f].f1)
        return finding, self.scores[finding].f1

    def summary(self) -> str:
        micro = self.micro
        finding, f1 = self.worst
        return (
            f"{self.name}: macro F1 {self.macro_f1:.3f} over {len(self.coded)} coded findings, "
            f"micro P {micro.precision:.3f} R {micro.recall:.3f} F1 {micro.f1:.3f}, "
            f"lowest {finding} {f1:.3f} ({self.n_reports} reports)"
        )

    def table(self) -> str:
        width = max(len("micro"), *(len(f) for f in self.findings))
        lines = [f"{'finding':<{width}}      P      R     F1  gold  pred", "-" * (width + 36)]
        for f in self.findings:
            s = self.scores[f]
            note = "" if s.support else "  (never coded: left out of the averages)"
            lines.append(
                f"{f:<{width}}  {s.precision:5.3f}  {s.recall:5.3f}  {s.f1:5.3f}  {s.support:4d}  "
                f"{s.tp + s.fp:4d}{note}"
            )
        micro = self.micro
        lines.append("-" * (width + 36))
        lines.append(
            f"{'micro':<{width}}  {micro.precision:5.3f}  {micro.recall:5.3f}  {micro.f1:5.3f}  "
            f"{micro.support:4d}  {micro.tp + micro.fp:4d}"
        )
        lines.append(f"{'macro F1':<{width}}                {self.macro_f1:5.3f}")
        return "\n".join(lines)


def score_presence(
    name: str,
    uids: Sequence[str],
    gold: Sequence[dict[str, str | None]],
    predicted: Sequence[dict[str, str | None]],
    findings: Sequence[str],
    evidence: Sequence[dict[str, tuple[Evidence, ...]]] | None = None,
) -> PresenceEvaluation:
    """Score `predicted` values against `gold` values, presence = positive, per finding."""
    if not len(uids) == len(gold) == len(predicted):
        raise ValueError(f"{len(uids)} ids, {len(gold)} gold rows, {len(predicted)} predicted rows")
    counts = {f: [0, 0, 0] for f in findings}
    errors: list[PresenceError] = []
    for i, (uid, g, p) in enumerate(zip(uids, gold, predicted, strict=True)):
        for f in findings:
            truth, said = g.get(f) == POSITIVE, p.get(f) == POSITIVE
            if truth and said:
                counts[f][0] += 1
            elif said or truth:
                counts[f][1 if said else 2] += 1
                spans = evidence[i].get(f, ()) if evidence is not None else ()
                kind = "false positive" if said else "false negative"
                errors.append(PresenceError(uid, f, kind, p.get(f), spans))
    scores = {f: PresenceScore(*c) for f, c in counts.items()}
    return PresenceEvaluation(name, len(gold), tuple(findings), scores, tuple(errors))
