"""Summaries of the learning curves: labels to reach random's final AUROC, AUROC at budgets, ratios.

Per seed the target is the random baseline's AUROC after its last round (same seed, same test set);
a strategy's "labels needed" is the first label count at which its curve reaches that target. A
curve that never reaches it within the budget is censored and counted as `final + batch` (a lower
bound, marked with `>`). Means and standard deviations are across seeds; the ratio is the strategy's
mean labels needed over random's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bench.active_learning.simulate import Curve


@dataclass
class StrategySummary:
    strategy: str
    key: str
    auroc_at: dict[int, tuple[float, float]]  # budget -> (mean, sd)
    curve_mean: float  # mean AUROC over all rounds (area under the learning curve / rounds)
    labels_needed: tuple[float, float]  # mean, sd (censored values included as lower bounds)
    reached: int
    seeds: int
    ratio_vs_random: float
    seconds: float


def first_reach(curve: Curve, target: float) -> int | None:
    for labels, auc in zip(curve.labels, curve.auroc, strict=True):
        if auc >= target - 1e-12:
            return labels
    return None


def summarise(
    curves: dict[str, list[Curve]], budgets: list[int], batch: int, baseline: str = "random"
) -> list[StrategySummary]:
    base = {c.seed: c for c in curves[baseline]}
    targets = {s: c.auroc[-1] for s, c in base.items()}
    rows: list[StrategySummary] = []
    needed_by: dict[str, float] = {}
    for name, runs in curves.items():
        at: dict[int, tuple[float, float]] = {}
        for b in budgets:
            vals = [c.auroc[c.labels.index(b)] for c in runs if b in c.labels]
            at[b] = (float(np.mean(vals)), float(np.std(vals))) if vals else (math.nan, math.nan)
        needed, reached = [], 0
        for c in runs:
            hit = first_reach(c, targets[c.seed])
            reached += hit is not None
            needed.append(hit if hit is not None else c.labels[-1] + batch)
        needed_by[name] = float(np.mean(needed))
        rows.append(
            StrategySummary(
                strategy=name,
                key=runs[0].key,
                auroc_at=at,
                curve_mean=float(np.mean([np.mean(c.auroc) for c in runs])),
                labels_needed=(float(np.mean(needed)), float(np.std(needed))),
                reached=reached,
                seeds=len(runs),
                ratio_vs_random=math.nan,
                seconds=float(np.sum([c.seconds for c in runs])),
            )
        )
    for r in rows:
        r.ratio_vs_random = needed_by[r.strategy] / needed_by[baseline]
    return rows


def format_table(rows: list[StrategySummary], budgets: list[int]) -> str:
    head = (
        ["strategy"] + [f"AUROC@{b}" for b in budgets] + ["mean AUROC", "labels to random-final", "vs random"]
    )
    lines = []
    for r in rows:
        cells = [r.strategy]
        cells += [f"{r.auroc_at[b][0]:.3f}±{r.auroc_at[b][1]:.3f}" for b in budgets]
        cells.append(f"{r.curve_mean:.3f}")
        mark = "" if r.reached == r.seeds else ">"
        cells.append(
            f"{mark}{r.labels_needed[0]:.0f}±{r.labels_needed[1]:.0f} ({r.reached}/{r.seeds} reached)"
        )
        cells.append(f"{mark}{r.ratio_vs_random:.2f}x")
        lines.append(cells)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*head), fmt.format(*["-" * w for w in widths])] + [fmt.format(*c) for c in lines]
    )
