"""NLP labeler benchmark: reports per second on N synthetic reports, against medspacy's default pipeline.

    python -m bench.nlp [--n 100000] [--processes 2] [--baseline-n 2000] [--cohort-n 2000]

Measures, in one run:
1. The fast engine (`ReportLabeler.label_many`, `--processes` workers) over N reports from our
   own generator (synthetic/nlp_bench_reports.py): wall-clock reports/s, and reports per CPU-second
   (all processes) -- on a shared machine the wall clock depends on the neighbours' load, CPU
   time much less, so both are printed with the load average. Once more with the sentence cache
   off (the worst case: every sentence new).
2. The baseline, medspacy's default pipeline (bench/nlp/baseline.py) with nlp.pipe in the same
   number of processes, on the first `--baseline-n` of the same reports (it is ~50x slower; its
   rate does not depend on N).
3. Accuracy of both on the hand-written gold sets (tests/ml/nlp/gold/*.yaml), value by value and
   as the macro F1 of positive / negative / uncertain, and against the labels of the synthetic
   cohort generator (synthetic/reports.py: what each generated report's text asserts).
"""

import argparse
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from ml.nlp.labeler import ReportLabeler
from synthetic.nlp_bench_reports import synthetic_reports

# medspacy (the baseline), scikit-learn and PyYAML (accuracy) are imported only when used, so the
# speed part runs where only spaCy is installed.

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "ml" / "nlp" / "gold"
TARGET = 5000  # reports/s on 2 cores


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timing:
    def __init__(self, n: int, wall: float, cpu: float) -> None:
        self.n, self.wall, self.cpu = n, wall, cpu

    @property
    def rate(self) -> float:
        return self.n / self.wall

    @property
    def per_cpu_second(self) -> float:
        return self.n / self.cpu

    def line(self, name: str, processes: int) -> str:
        return (
            f"{name:<36} {self.n:>7} reports  {self.wall:7.1f} s  {self.rate:8.0f} reports/s  "
            f"{self.per_cpu_second:7.0f} reports/CPU-s "
            f"(x{processes} = {processes * self.per_cpu_second:7.0f})"
        )


def _timed(run: Callable[[], int]) -> Timing:
    cpu, wall = _cpu_seconds(), time.perf_counter()
    n = run()
    return Timing(n, time.perf_counter() - wall, _cpu_seconds() - cpu)


_baseline = None


def _baseline_batch(batch: list[str]) -> list[dict]:
    assert _baseline is not None
    return list(_baseline.label_many(batch))


def _baseline_many(baseline, texts: Sequence[str], processes: int) -> Iterator[dict]:
    """The baseline over `processes` forked workers, batches in order (the same harness as ours)."""
    global _baseline
    if processes <= 1:
        yield from baseline.label_many(texts)
        return
    _baseline = baseline
    iterator = iter(texts)
    batches = iter(lambda: list(islice(iterator, 64)), [])
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for batch in pool.imap(_baseline_batch, batches):
            yield from batch


def _accuracy_line(
    name: str, gold: Sequence[dict], predicted: Sequence[dict], findings: Sequence[str]
) -> str:
    from ml.nlp.evaluation import evaluate

    result = evaluate(gold, predicted, findings)
    cells = sum(len(findings) for _ in gold)
    same = sum(g[f] == p[f] for g, p in zip(gold, predicted, strict=True) for f in findings)
    whole = sum(all(g[f] == p[f] for f in findings) for g, p in zip(gold, predicted, strict=True))
    macro = " ".join(
        f"{cls[:3]} F1 {m.f1:.3f}" if m else f"{cls[:3]} F1   -  " for cls, m in result.macro.items()
    )
    return (
        f"  {name:<18} values right {same / cells:6.1%}  reports all right {whole / len(gold):6.1%}  "
        f"macro F1 {result.macro_f1:.3f}  ({macro})"
    )


def gold_accuracy() -> None:
    from bench.nlp.baseline import MedspacyDefault
    from ml.nlp.gold import load_gold

    print("\nAccuracy on the hand-written gold sets (written with the phrase files: an upper bound)")
    for path in sorted(GOLD_DIR.glob("*.yaml")):
        gold = load_gold(path)
        texts = [c.text for c in gold.cases]
        expected = [c.expected for c in gold.cases]
        ours = [r.values() for r in ReportLabeler(gold.schema, flags=gold.flags).label_many(texts)]
        medspacy = list(MedspacyDefault(gold.schema, gold.flags).label_many(texts))
        print(f" {path.name}: {len(texts)} reports x {len(gold.findings)} findings")
        print(_accuracy_line("arbiter fast", expected, ours, gold.findings))
        print(_accuracy_line("medspacy default", expected, medspacy, gold.findings))


def cohort_accuracy(n: int, seed: int) -> None:
    try:
        import numpy as np

        from synthetic.cxr import CXR14_FINDINGS
        from synthetic.reports import write_report
    except ImportError as exc:  # the cohort generator is another module's; skip if it is absent
        print(f"\n(cohort accuracy skipped: {exc})")
        return
    from bench.nlp.baseline import MedspacyDefault

    rng = np.random.default_rng(seed)
    reports = []
    for _ in range(n):
        k = int(rng.choice([0, 0, 1, 1, 2, 3]))
        truth = list(rng.choice(CXR14_FINDINGS, size=k, replace=False))
        prior = list(rng.choice(CXR14_FINDINGS, size=1)) if rng.random() < 0.3 else None
        reports.append(write_report(rng, truth, prior=prior))
    findings = list(CXR14_FINDINGS)
    expected = [{f: (r.labels[f] or None) for f in findings} for r in reports]
    texts = [r.text for r in reports]
    ours = [r.values() for r in ReportLabeler("chestxray14").label_many(texts)]
    medspacy = list(MedspacyDefault("chestxray14").label_many(texts))
    print(f"\nAccuracy against the synthetic cohort's report labels (synthetic/, {n} reports, 14 findings)")
    print(_accuracy_line("arbiter fast", expected, ours, findings))
    print(_accuracy_line("medspacy default", expected, medspacy, findings))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nlp", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic reports for the fast engine")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--baseline-n", type=int, default=2000, help="reports for medspacy's default pipeline"
    )
    parser.add_argument("--uncached-n", type=int, default=20_000, help="reports with the sentence cache off")
    parser.add_argument("--cohort-n", type=int, default=2000, help="cohort reports for accuracy (0: skip)")
    parser.add_argument("--schema", default="chexpert")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-accuracy", action="store_true", help="speed only")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip medspacy (where it is not installed)"
    )
    args = parser.parse_args(argv)
    p = args.processes

    texts = synthetic_reports(args.n, args.seed)
    print(f"{len(texts)} synthetic reports, {sum(map(len, texts)) / len(texts):.0f} characters on average")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {p} worker processes")

    start = time.perf_counter()
    labeler = ReportLabeler(args.schema)
    print(f"fast engine built in {time.perf_counter() - start:.1f} s ({labeler.version})")
    fast = _timed(lambda: sum(1 for _ in labeler.label_many(texts, n_process=p)))
    print(fast.line("arbiter fast engine", p))

    uncached_labeler = ReportLabeler(args.schema)
    uncached_labeler._engine._cache_size = 0  # measure the worst case: no sentence seen before
    uncached_texts = texts[: args.uncached_n]
    uncached = _timed(lambda: sum(1 for _ in uncached_labeler.label_many(uncached_texts, n_process=p)))
    print(uncached.line("arbiter fast engine, no cache", p))

    if not args.no_baseline:
        _compare_with_baseline(args, texts, fast, uncached)
    verdict = "meets" if fast.rate >= TARGET else "misses"
    print(f"target {TARGET} reports/s on {p} cores: wall clock {fast.rate:.0f} {verdict} it", end="")
    print(f" (load average now {os.getloadavg()[0]:.1f})")
    if not args.no_accuracy:
        gold_accuracy()
        if args.cohort_n:
            cohort_accuracy(args.cohort_n, args.seed)
    sys.stdout.flush()


def _compare_with_baseline(
    args: argparse.Namespace, texts: list[str], fast: Timing, uncached: Timing
) -> None:
    from bench.nlp.baseline import MedspacyDefault

    p = args.processes
    start = time.perf_counter()
    baseline = MedspacyDefault(args.schema)
    print(f"medspacy default pipeline built in {time.perf_counter() - start:.1f} s")
    base_texts = texts[: args.baseline_n]
    base = _timed(lambda: sum(1 for _ in _baseline_many(baseline, base_texts, p)))
    print(base.line("medspacy default (nlp.pipe)", p))
    print(
        f"\nspeed-up (wall clock): {fast.rate / base.rate:.1f}x cached, "
        f"{uncached.rate / base.rate:.1f}x uncached;"
        f" per CPU-second: {fast.per_cpu_second / base.per_cpu_second:.1f}x / "
        f"{uncached.per_cpu_second / base.per_cpu_second:.1f}x"
    )
