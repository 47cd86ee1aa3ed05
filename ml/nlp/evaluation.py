"""Scoring labels against a gold standard the way the CheXpert and CheXbert papers report it.

For each finding and each of the three mention classes -- positive, negative, uncertain --
precision, recall and F1 of "this report has this class for this finding" (one class against all
others, blank included), computed with scikit-learn; then per class the macro average over the
findings, and an overall macro F1 (the mean of the three class averages).

A (finding, class) cell with neither a gold nor a predicted instance has no defined score: it is
shown as "-" and left out of the averages (scikit-learn would count it as 0 and drag every macro
average down for rare findings).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sklearn.metrics import precision_recall_fscore_support

from ml.nlp.errors import ReportCSVError
from ml.nlp.labels import NEGATIVE, POSITIVE, UNCERTAIN

CLASSES = (POSITIVE, NEGATIVE, UNCERTAIN)
_BLANK = "blank"

LabelRow = Mapping[str, str | None]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    support: int  # gold instances
    predicted: int  # predicted instances

    @property
    def defined(self) -> bool:
        return self.support + self.predicted > 0


@dataclass(frozen=True)
class MacroScore:
    precision: float
    recall: float
    f1: float
    findings: int  # how many findings the average is over


@dataclass(frozen=True)
class Evaluation:
    n_reports: int
    findings: tuple[str, ...]
    scores: dict[str, dict[str, Score]]  # finding -> class -> score
    macro: dict[str, MacroScore | None]  # class -> average over findings with a defined score
    accuracy: dict[str, float]  # finding -> share of reports with exactly the gold value (blank too)

    @property
    def macro_f1(self) -> float | None:
        """Mean of the per-class macro F1 scores (classes with no defined score left out)."""
        values = [m.f1 for m in self.macro.values() if m is not None]
        return sum(values) / len(values) if values else None

    def format(self) -> str:
        """A plain-text table: one line per finding, then the macro averages."""
        width = max(len("Macro average"), *(len(f) for f in self.findings))
        header = f"{'':<{width}}" + "".join(f" | {c:^23}" for c in CLASSES) + " | accuracy"
        sub = f"{'Finding':<{width}}" + " |     P     R    F1     n" * len(CLASSES) + " |"
        rule = "-" * len(header)
        lines = [header, sub, rule]
        for finding in self.findings:
            cells = "".join(" | " + _cell(self.scores[finding][c]) for c in CLASSES)
            lines.append(f"{finding:<{width}}{cells} | {self.accuracy[finding]:8.3f}")
        lines.append(rule)
        cells = "".join(" | " + _macro_cell(self.macro[c]) for c in CLASSES)
        lines.append(f"{'Macro average':<{width}}{cells} |")
        f1 = self.macro_f1
        lines.append(f"Overall macro F1: {'-' if f1 is None else f'{f1:.3f}'} ({self.n_reports} reports)")
        return "\n".join(lines)


def _cell(score: Score) -> str:
    if not score.defined:
        return f"{'-':>5} {'-':>5} {'-':>5} {score.support:5d}"
    return f"{score.precision:5.2f} {score.recall:5.2f} {score.f1:5.2f} {score.support:5d}"


def _macro_cell(macro: MacroScore | None) -> str:
    if macro is None:
        return f"{'-':>5} {'-':>5} {'-':>5} {'':5}"
    return f"{macro.precision:5.2f} {macro.recall:5.2f} {macro.f1:5.2f} {f'{macro.findings}f':>5}"


def evaluate(gold: Sequence[LabelRow], predicted: Sequence[LabelRow], findings: Sequence[str]) -> Evaluation:
    """Score `predicted` against `gold` (same reports in the same order) for `findings`."""
    if len(gold) != len(predicted):
        raise ReportCSVError(f"gold has {len(gold)} reports but predictions have {len(predicted)}")
    scores: dict[str, dict[str, Score]] = {}
    accuracy: dict[str, float] = {}
    for finding in findings:
        y_true = [row.get(finding) or _BLANK for row in gold]
        y_pred = [row.get(finding) or _BLANK for row in predicted]
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=list(CLASSES), average=None, zero_division=0.0
        )
        scores[finding] = {
            cls: Score(
                float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]), y_pred.count(cls)
            )
            for i, cls in enumerate(CLASSES)
        }
        same = sum(t == p for t, p in zip(y_true, y_pred, strict=True))
        accuracy[finding] = same / len(y_true) if y_true else 0.0
    macro: dict[str, MacroScore | None] = {}
    for cls in CLASSES:
        cells = [scores[f][cls] for f in findings if scores[f][cls].defined]
        macro[cls] = (
            MacroScore(
                sum(c.precision for c in cells) / len(cells),
                sum(c.recall for c in cells) / len(cells),
                sum(c.f1 for c in cells) / len(cells),
                len(cells),
            )
            if cells
            else None
        )
    return Evaluation(len(gold), tuple(findings), scores, macro, accuracy)
