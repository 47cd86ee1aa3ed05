"""One active-learning run: initial labels, then rounds of select -> read -> adjudicate -> retrain.

Every strategy of a seed starts from the same initial labelled items (drawn by a seeded random
ranking), reads with the same simulated panel (answers depend only on seed, reader and item), gets
the same batch size and number of rounds, and is evaluated on the same held-out test set against the
ground truth after every retrain. Training targets come from `weak_labels.build_targets`:
adjudicated labels only by default, plus the NLP labels as weak labels when a weak weight is set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bench.active_learning.cohort import Cohort, ReaderPanel
from bench.active_learning.learner import Prediction
from ml.acquisition import AcquisitionInputs, RandomStrategy, acquire, strategy_from_config
from ml.evaluation.binary import auroc_rows
from ml.weak_labels import WeakLabelPolicy, build_targets

SAMPLE_STRATEGIES = ("bald", "variance")


class Learner(Protocol):
    def fit_predict(
        self, rows: np.ndarray, targets: np.ndarray, weights: np.ndarray, need_samples: bool, round_: int
    ) -> Prediction: ...


@dataclass
class Curve:
    strategy: str
    key: str
    seed: int
    labels: list[int] = field(default_factory=list)
    auroc: list[float] = field(default_factory=list)
    seconds: float = 0.0
    unanimous_rate: float = 0.0
    final_test_probs: np.ndarray | None = None


def macro_auroc(truth: np.ndarray, probs: np.ndarray) -> float:
    """Mean AUROC over findings with both classes in the test set (equal to roc_auc_score's)."""
    per = auroc_rows(truth.T, probs.T)
    return float(np.nanmean(per))


def needs_samples(config: Mapping[str, Any]) -> bool:
    text = json.dumps(config)
    return any(f'"name": "{s}"' in text for s in SAMPLE_STRATEGIES)


def initial_items(n_pool: int, k: int, seed: int) -> np.ndarray:
    """The seed's initial labelled items, shared by every strategy."""
    ids = list(range(n_pool))
    inputs = AcquisitionInputs(ids=ids)
    return np.asarray(acquire(RandomStrategy(seed=1_000_003 + seed), inputs, k).ids, dtype=np.int64)


def run_strategy(
    label: str,
    config: Mapping[str, Any],
    cohort: Cohort,
    learner: Learner,
    *,
    seed: int,
    initial: int,
    batch: int,
    rounds: int,
    weak_policy: WeakLabelPolicy | None = None,
    on_round: Callable[[int, int, float], None] | None = None,
) -> Curve:
    t0 = time.perf_counter()
    strategy = strategy_from_config(config)
    samples_needed = needs_samples(config)
    n, c = cohort.truth_pool.shape
    ids = list(range(n))
    panel = ReaderPanel(cohort.findings, seed)
    adjudicated = np.full((n, c), np.nan)
    labelled = np.zeros(n, dtype=bool)

    def read(items: np.ndarray) -> None:
        for i in items:
            adjudicated[i] = panel.adjudicate(f"{seed}:{int(i)}", cohort.truth_pool[i])
            labelled[i] = True

    read(initial_items(n, initial, seed))
    curve = Curve(strategy=label, key=strategy.key, seed=seed)
    for r in range(rounds + 1):
        policy = weak_policy or WeakLabelPolicy(use_weak=False)
        targets = build_targets(adjudicated, cohort.nlp_pool if policy.use_weak else None, policy)
        rows = targets.rows_with_labels()
        pred = learner.fit_predict(rows, targets.targets[rows], targets.weights[rows], samples_needed, r)
        auc = macro_auroc(cohort.truth_test, pred.test_probs)
        curve.labels.append(int(labelled.sum()))
        curve.auroc.append(auc)
        if on_round is not None:
            on_round(r, int(labelled.sum()), auc)
        if r == rounds:
            curve.final_test_probs = pred.test_probs
            break
        inputs = AcquisitionInputs(
            ids=ids,
            probs=pred.probs,
            samples=pred.samples,
            nlp=cohort.nlp_pool,
            embeddings=pred.embeddings,
            labelled=labelled.copy(),
            prevalence=adjudicated[labelled].mean(axis=0),
            findings=cohort.findings,
        )
        picked = np.asarray(acquire(strategy, inputs, batch).ids, dtype=np.int64)
        read(picked)
    curve.seconds = time.perf_counter() - t0
    curve.unanimous_rate = panel.unanimous / max(panel.reads, 1)
    return curve
