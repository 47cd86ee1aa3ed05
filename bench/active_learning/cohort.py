"""The synthetic cohort of the benchmark: images with known findings, NLP labels, simulated readers.

Per seed: a pool of unread chest films and a held-out test set rendered directly as arrays with
`render_cxr` (findings drawn as the cohort generator draws them, `sample_findings`), the labels
their reports state (`write_report` with a share of misleading reports: what a perfect NLP reader
of imperfect reports would output, 1 / 0 / -1 / blank), and three simulated readers with the
default panel's error rates. Every item is generated from its own (seed, index) generator, so
rendering in parallel processes gives the same arrays; results are cached as .npz under var/.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthetic import render_cxr
from synthetic.builder import sample_findings
from synthetic.cxr import CXR14_FINDINGS
from synthetic.readers import DEFAULT_PANEL, NEGATIVE, POSITIVE, SimulatedReader
from synthetic.reports import BLANK, UNCERTAIN, write_report

CACHE_DIR = Path(os.environ.get("ARBITER_BENCH_CACHE", "var/bench/active_learning"))
NLP_VALUE = {POSITIVE: 1.0, NEGATIVE: 0.0, UNCERTAIN: -1.0, BLANK: np.nan}

#: Images per finding in ChestX-ray14 (Wang et al. 2017; NIH Data_Entry_2017.csv, 112,120 images):
#: `--prevalence cxr14` draws each finding independently at this rate, as a hospital worklist sees
#: them (about half the films normal, Hernia in 0.2 %). The cohort generator's own rates are
#: inflated so that a small demo cohort has positives of every finding.
CXR14_IMAGES = 112_120
CXR14_COUNTS: dict[str, int] = {
    "Atelectasis": 11_559,
    "Cardiomegaly": 2_776,
    "Effusion": 13_317,
    "Infiltration": 19_894,
    "Mass": 5_782,
    "Nodule": 6_331,
    "Pneumonia": 1_431,
    "Pneumothorax": 5_302,
    "Consolidation": 4_667,
    "Edema": 2_303,
    "Emphysema": 2_516,
    "Fibrosis": 1_686,
    "Pleural_Thickening": 3_385,
    "Hernia": 227,
}
PREVALENCES = ("cohort", "cxr14")


def draw_findings(rng: np.random.Generator, prevalence: str) -> frozenset[str]:
    """One film's findings: the cohort generator's draw, or ChestX-ray14's published rates."""
    if prevalence == "cohort":
        return sample_findings(rng)
    if prevalence != "cxr14":
        raise ValueError(f"unknown prevalence {prevalence!r}; choose from {PREVALENCES}")
    hits = rng.random(len(CXR14_FINDINGS)) < np.array(
        [CXR14_COUNTS[f] / CXR14_IMAGES for f in CXR14_FINDINGS]
    )
    return frozenset(f for f, h in zip(CXR14_FINDINGS, hits, strict=True) if h)


@dataclass(frozen=True)
class Cohort:
    findings: tuple[str, ...]
    x_pool: np.ndarray  # uint8 [N, S, S]
    truth_pool: np.ndarray  # bool [N, C]
    nlp_pool: np.ndarray  # float [N, C] in {1, 0, -1, nan}
    x_test: np.ndarray
    truth_test: np.ndarray
    seed: int
    key: str = ""  # what the films were rendered from (seed, sizes, rates): names cached features

    @property
    def n_pool(self) -> int:
        return len(self.x_pool)


def _item(args: tuple[int, int, int, float, str]) -> tuple[np.ndarray, list[bool], list[float]]:
    seed, index, size, misleading, prevalence = args
    rng = np.random.default_rng([seed, index])
    found = draw_findings(rng, prevalence)
    image = render_cxr(rng, found, size=size)
    report = write_report(np.random.default_rng([seed, index, 1]), found, misleading_rate=misleading)
    truth = [f in found for f in CXR14_FINDINGS]
    nlp = [NLP_VALUE[report.labels[f]] for f in CXR14_FINDINGS]
    return np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8), truth, nlp


def _render(
    seed: int, start: int, n: int, size: int, misleading: float, prevalence: str, workers: int
) -> tuple:
    jobs = [(seed, i, size, misleading, prevalence) for i in range(start, start + n)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            out = list(pool.map(_item, jobs, chunksize=32))
    else:
        out = [_item(j) for j in jobs]
    x = np.stack([o[0] for o in out])
    truth = np.array([o[1] for o in out], dtype=bool)
    nlp = np.array([o[2] for o in out], dtype=np.float64)
    return x, truth, nlp


def make_cohort(
    seed: int,
    n_pool: int,
    n_test: int,
    size: int,
    findings: tuple[str, ...] = CXR14_FINDINGS,
    *,
    misleading_rate: float = 0.15,
    prevalence: str = "cohort",
    workers: int = 1,
    cache: bool = True,
) -> Cohort:
    """Render (or load from the cache) one seed's pool and test set."""
    parts: list = [seed, n_pool, n_test, size, misleading_rate, 1]
    if prevalence != "cohort":  # keeps the cache keys of earlier runs
        parts.append(prevalence)
    key = json.dumps(parts, separators=(",", ":"))
    path = CACHE_DIR / f"cohort-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    if cache and path.is_file():
        d = np.load(path)
        x_pool, t_pool, nlp_pool, x_test, t_test = (
            d["x_pool"],
            d["truth_pool"],
            d["nlp_pool"],
            d["x_test"],
            d["truth_test"],
        )
    else:
        x_pool, t_pool, nlp_pool = _render(seed, 0, n_pool, size, misleading_rate, prevalence, workers)
        # the test set is drawn from an index range the pool never uses
        x_test, t_test, _ = _render(seed, 10_000_000, n_test, size, misleading_rate, prevalence, workers)
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                path, x_pool=x_pool, truth_pool=t_pool, nlp_pool=nlp_pool, x_test=x_test, truth_test=t_test
            )
    cols = [CXR14_FINDINGS.index(f) for f in findings]
    return Cohort(
        findings=tuple(findings),
        x_pool=x_pool,
        truth_pool=t_pool[:, cols],
        nlp_pool=nlp_pool[:, cols],
        x_test=x_test,
        truth_test=t_test[:, cols],
        seed=seed,
        key=key,
    )


class ReaderPanel:
    """Three simulated readers read every selected item independently; the majority decides.

    Per finding, uncertain answers abstain and the label is positive when more readers say positive
    than negative; a tie (e.g. one positive, one negative, one uncertain) goes to the first reader
    (the expert) when that answer is definite, else negative. `unanimous` counts items where all
    three gave the same answer on every finding (no adjudication round needed).
    """

    def __init__(self, findings: tuple[str, ...], seed: int, n_readers: int = 3) -> None:
        self.findings = findings
        self.readers = [SimulatedReader(p, seed) for p in DEFAULT_PANEL[:n_readers]]
        self.reads = 0
        self.unanimous = 0

    def adjudicate(self, item_key: str, truth: np.ndarray) -> np.ndarray:
        answers = [
            r.read(item_key, dict(zip(self.findings, map(bool, truth), strict=True))) for r in self.readers
        ]
        self.reads += 1
        self.unanimous += all(a == answers[0] for a in answers[1:])
        out = np.zeros(len(self.findings))
        for j, f in enumerate(self.findings):
            pos = sum(a[f] == POSITIVE for a in answers)
            neg = sum(a[f] == NEGATIVE for a in answers)
            if pos != neg:
                out[j] = float(pos > neg)
            else:
                out[j] = float(answers[0][f] == POSITIVE)
        return out
