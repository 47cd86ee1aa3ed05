"""Measuring bad-image detection: inject known distortions into real films, score, count.

`distort` makes the bad copies (the five turns / mirrors of `dihedral.DISTORTIONS` and `invert`);
`evaluate` takes the scores of the clean films and of each distorted set (from any scorer: the
learned detector, the rule baseline, or flags read back from a QC run) and reports, per distortion,
recall at the threshold (a distorted film counts as caught when any orientation flag holds it, or
the inversion flag for `invert`), false flags on the clean films (clean films given the kind of flag
that distortion gets: `rotated` for turns, `flipped` for mirrors, `inverted`), ROC AUC, the ROC's
operating points, and how often the suggested fix is the right one. `clean_flagged_any` is the share
of clean films with any flag at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ml.detectors.dihedral import DISTORTIONS, apply_np, fix_for
from ml.detectors.orientation import OrientationScores, flag_kind, flagged_as
from ml.nets.errors import InputError

ALL_DISTORTIONS: tuple[str, ...] = (*DISTORTIONS, "invert")


def distort(films: np.ndarray, name: str) -> np.ndarray:
    """uint8 films `[N, H, W]` with distortion `name` applied."""
    if name == "invert":
        return np.ascontiguousarray(255 - films)
    if name not in DISTORTIONS:
        raise InputError(f"unknown distortion {name!r}; use one of {ALL_DISTORTIONS}")
    return apply_np(films, DISTORTIONS[name])


def roc_auc(negatives: np.ndarray, positives: np.ndarray) -> float:
    """P(a random positive scores above a random negative), ties counted half."""
    neg, pos = np.sort(np.asarray(negatives, float)), np.asarray(positives, float)
    if not len(neg) or not len(pos):
        return float("nan")
    below = np.searchsorted(neg, pos, side="left")
    equal = np.searchsorted(neg, pos, side="right") - below
    return float((below + 0.5 * equal).sum() / (len(neg) * len(pos)))


def roc_points(negatives: np.ndarray, positives: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, false-flag rate, recall) at each distinct score."""
    neg, pos = np.asarray(negatives, float), np.asarray(positives, float)
    out = []
    for t in np.unique(np.concatenate([neg, pos]))[::-1]:
        out.append((float(t), float((neg >= t).mean()), float((pos >= t).mean())))
    return out


@dataclass(frozen=True)
class DistortionResult:
    name: str
    n: int
    recall: float
    false_flag_rate: float
    auc: float
    fix_correct: float | None
    recall_at_half_percent_false: float  # the best recall with false flags <= 0.5 %
    false_at_99_recall: float  # the fewest false flags with recall >= 99 %


@dataclass
class QCEvaluation:
    threshold: float
    n_clean: int
    clean_flagged_any: float
    results: list[DistortionResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def passes(self, min_recall: float = 0.99, max_false: float = 0.005) -> bool:
        return all(r.recall >= min_recall and r.false_flag_rate <= max_false for r in self.results)


def _operating(neg: np.ndarray, pos: np.ndarray) -> tuple[float, float]:
    pts = roc_points(neg, pos)
    best_recall = max((r for _, f, r in pts if f <= 0.005), default=0.0)
    fewest_false = min((f for _, f, r in pts if r >= 0.99), default=1.0)
    return best_recall, fewest_false


def evaluate(
    clean: OrientationScores, distorted: dict[str, OrientationScores], threshold: float
) -> QCEvaluation:
    """Recall, false flags, AUC and fix accuracy per distortion at `threshold`."""
    inv_neg = clean.inverted
    any_flag = (clean.not_upright >= threshold) | (inv_neg >= threshold)
    ev = QCEvaluation(threshold=threshold, n_clean=len(inv_neg), clean_flagged_any=float(any_flag.mean()))
    for name, s in distorted.items():
        if name == "invert":
            neg, pos, fix_ok = inv_neg, s.inverted, None
        else:
            # caught: any orientation flag holds the film; false: clean films given this kind of flag
            neg, pos = flagged_as(clean, flag_kind(DISTORTIONS[name])), s.not_upright
            want = fix_for(DISTORTIONS[name])
            predicted = s.orientation.argmax(axis=1)
            fix_ok = float(np.mean([fix_for(int(g)) == want for g in predicted]))
        best_recall, fewest_false = _operating(neg, pos)
        ev.results.append(
            DistortionResult(
                name=name,
                n=len(pos),
                recall=float((pos >= threshold).mean()),
                false_flag_rate=float((neg >= threshold).mean()),
                auc=roc_auc(neg, pos),
                fix_correct=fix_ok,
                recall_at_half_percent_false=best_recall,
                false_at_99_recall=fewest_false,
            )
        )
    return ev


def format_evaluation(ev: QCEvaluation, title: str) -> str:
    lines = [
        f"{title}: {ev.n_clean} clean films, threshold {ev.threshold:g}, "
        f"clean films with any flag {100 * ev.clean_flagged_any:.2f} %",
        f"  {'distortion':<10} {'n':>5} {'recall':>8} {'false':>7} {'AUC':>7} {'fix ok':>7} "
        f"{'recall@0.5%FF':>14} {'FF@99%rec':>10}",
    ]
    for r in ev.results:
        fix = "-" if r.fix_correct is None else f"{100 * r.fix_correct:.1f}%"
        lines.append(
            f"  {r.name:<10} {r.n:>5} {100 * r.recall:>7.2f}% {100 * r.false_flag_rate:>6.2f}% "
            f"{r.auc:>7.4f} {fix:>7} {100 * r.recall_at_half_percent_false:>13.2f}% "
            f"{100 * r.false_at_99_recall:>9.2f}%"
        )
    return "\n".join(lines)
