"""Scoring the labeler on a report CSV that carries its own gold, beside the naive baseline.

    result = evaluate_report_csv(path, "chestxray14", part="held-aside", baseline=True)
    print(result.format(max_errors=50))

Reads the CSV (`report_gold.py`: a report column or the Open-i sections, binary or 1/0/-1 gold),
labels every report with `ReportLabeler`, and scores presence per finding (`presence.py`):
precision / recall / F1, macro over the coded findings, micro, and the confusion list -- each
wrong (report, finding) with the evidence span and the rule that fired. Where the gold has
uncertain (-1) or blank cells, the CheXpert-style three-class table (`evaluation.py`) is printed
too. The naive medspacy baseline (`naive_baseline.py`) is run on the same reports in the same
process and scored the same way. `part` picks the fixed split of `report_gold.held_aside`.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layouts.label_schemas import NO_FINDING
from ml.nlp.evaluation import Evaluation, evaluate
from ml.nlp.labeler import ReportLabeler
from ml.nlp.labels import NEGATIVE, POSITIVE
from ml.nlp.presence import PresenceEvaluation, score_presence
from ml.nlp.report_gold import GoldReport, held_aside, read_gold_reports

PARTS = ("all", "development", "held-aside")


@dataclass(frozen=True)
class ReportCSVEvaluation:
    path: Path
    part: str
    version: str
    ours: PresenceEvaluation
    baseline: PresenceEvaluation | None
    baseline_note: str  # why there is no baseline, or what it is
    three_class: Evaluation | None  # when the gold has -1 or blank cells
    seconds: float  # labelling time of our labeler
    no_finding: PresenceEvaluation | None = None  # the derived No Finding ("normal" column)

    def format(self, max_errors: int | None = 50) -> str:
        lines = [
            f"{self.path.name}, part {self.part}: {self.ours.n_reports} reports, labeler {self.version}",
            f"labelled in {self.seconds:.2f} s "
            f"({self.ours.n_reports / max(self.seconds, 1e-9):.0f} reports/s, one process)",
            "",
            "Presence (gold 1 = present; labeler positive = present) per finding:",
            self.ours.table(),
            "",
        ]
        if self.no_finding is not None:
            s = self.no_finding.scores[NO_FINDING]
            lines += [
                f"{NO_FINDING} (derived, not in the averages): P {s.precision:.3f} R {s.recall:.3f} "
                f"F1 {s.f1:.3f} gold {s.support} predicted {s.tp + s.fp}",
                "",
            ]
        if self.three_class is not None:
            lines += ["CheXpert-style positive / negative / uncertain scores:", self.three_class.format(), ""]
        if self.baseline is not None:
            lines += [f"Baseline: {self.baseline_note}", self.baseline.table(), ""]
        lines.append(self.ours.summary())
        if self.baseline is not None:
            lines.append(self.baseline.summary())
            gain = self.ours.macro_f1 - self.baseline.macro_f1
            lines.append(f"macro F1 above the baseline: {gain:+.3f}")
        else:
            lines.append(f"baseline: {self.baseline_note}")
        errors = self.ours.errors
        shown = errors if max_errors is None else errors[:max_errors]
        lines += [
            "",
            f"Confusion list: {len(errors)} errors (report id, finding, error, value, evidence -> rule)",
        ]
        lines += [e.line() for e in shown]
        if len(shown) < len(errors):
            lines.append(f"... {len(errors) - len(shown)} more (--errors 0 lists all)")
        return "\n".join(lines)


def select_part(reports: Sequence[GoldReport], part: str) -> list[GoldReport]:
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; use one of {', '.join(PARTS)}")
    if part == "all":
        return list(reports)
    return [r for r in reports if held_aside(r.uid) == (part == "held-aside")]


def _has_three_classes(reports: Sequence[GoldReport], findings: Sequence[str]) -> bool:
    values = {r.gold.get(f) for r in reports for f in findings}
    return bool(values - {POSITIVE, NEGATIVE})


def evaluate_report_csv(
    path: Path,
    schema: str = "chestxray14",
    *,
    text_column: str | None = None,
    part: str = "all",
    baseline: bool = True,
    labeler: ReportLabeler | None = None,
) -> ReportCSVEvaluation:
    """Label and score every report of `path` (the chosen part), with the baseline beside."""
    labeler = labeler or ReportLabeler(schema)
    data = read_gold_reports(path, labeler.findings, text_column)
    reports = select_part(data.reports, part)
    findings = tuple(f for f in data.findings if f != NO_FINDING)
    start = time.perf_counter()
    labels = [labeler.label_safe(r.text) for r in reports]
    seconds = time.perf_counter() - start
    uids = [r.uid for r in reports]
    golds = [r.gold for r in reports]
    ours = score_presence(
        "arbiter",
        uids,
        golds,
        [lab.values() for lab in labels],
        findings,
        [{f: lab[f].evidence for f in findings} for lab in labels],
    )
    no_finding = None
    if NO_FINDING in data.findings:
        no_finding = score_presence(NO_FINDING, uids, golds, [lab.values() for lab in labels], [NO_FINDING])
    three = None
    if _has_three_classes(reports, findings):
        three = evaluate(golds, [lab.values() for lab in labels], findings)
    base, note = None, "not run"
    if baseline:
        from ml.nlp.naive_baseline import NAIVE_PHRASES, NaiveMedspacy

        shared = [f for f in findings if f in NAIVE_PHRASES]
        if not shared:
            note = f"not run: the naive baseline has phrases for ChestX-ray14 findings, not {schema!r}'s"
        else:
            naive = NaiveMedspacy(shared)
            predicted = list(naive.label_many(r.text for r in reports))
            base = score_presence("naive medspacy", uids, golds, predicted, shared)
            note = (
                f"naive medspacy (medspacy.load(), default ConText rules, {naive.n_phrases} target phrases, "
                "FINDINGS and IMPRESSION text), same reports, same process"
            )
    return ReportCSVEvaluation(path, part, labeler.version, ours, base, note, three, seconds, no_finding)
