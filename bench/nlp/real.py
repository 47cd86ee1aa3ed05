"""Real reports: the labeler against the Open-i human gold, beside the naive medspacy baseline.

    python -m bench.nlp.real [--reports ../shared/data/openi-dev/reports_with_gold.csv] [--processes 2]

Prints, measured in one run:
1. Accuracy on the development part and on the held-aside part (the fixed split of
   `report_gold.held_aside`): per finding P/R/F1 on presence, macro over the 13 coded ChestX-ray14
   findings, micro, lowest finding -- for our labeler (chestxray14 schema, fast engine: the one the
   platform runs) and for the naive medspacy baseline (default ConText rules, 31 phrases).
2. Speed on these real reports: our engine with the sentence cache on (as the platform runs it)
   and off (every sentence new), `--processes` workers, `--repeat` passes over the 3,080 reports;
   the baseline's rate on the same reports; the ratio.
3. Start-up of `manage.py label_reports` on one report, against the way it started before (system
   checks, which import every URL module and torch, then the command), medians of `--startup-runs`.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.nlp.run import Timing, _timed
from ml.nlp.labeler import ReportLabeler
from ml.nlp.report_evaluation import evaluate_report_csv
from ml.nlp.report_gold import held_aside, read_gold_reports

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REPORTS = (
    Path(os.environ.get("ARBITER_SHARED_DATA", ROOT / ".." / "shared" / "data"))
    / "openi-dev"
    / "reports_with_gold.csv"
)
TARGET = 5000


def accuracy(path: Path, whole_report_baseline: bool) -> None:
    labeler = ReportLabeler("chestxray14")
    for part in ("development", "held-aside"):
        result = evaluate_report_csv(path, part=part, labeler=labeler)
        print(f"\n=== {part} part ===")
        print(result.format(max_errors=0).split("\nConfusion list")[0])
        if whole_report_baseline:
            from ml.nlp.naive_baseline import NaiveMedspacy
            from ml.nlp.presence import score_presence

            data = read_gold_reports(path, result.ours.findings)
            reports = [r for r in data.reports if (part == "held-aside") == held_aside(r.uid)]
            naive = NaiveMedspacy(result.ours.findings, whole_report=True)
            predicted = list(naive.label_many(r.text for r in reports))
            uids, golds = [r.uid for r in reports], [r.gold for r in reports]
            whole = score_presence(
                "naive medspacy, whole report", uids, golds, predicted, result.ours.findings
            )
            print(whole.summary())


def speed(path: Path, processes: int, repeat: int) -> None:
    texts = [r.text for r in read_gold_reports(path, ("Atelectasis",)).reports]
    many = texts * repeat
    size = sum(map(len, texts)) / len(texts)
    print(f"\nSpeed on {len(texts)} real reports x {repeat} ({size:.0f} characters on average)")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {processes} worker processes"
    )
    cached = ReportLabeler("chestxray14")
    fast = _timed(lambda: sum(1 for _ in cached.label_many(many, n_process=processes)))
    print(fast.line("arbiter chestxray14, sentence cache", processes))
    uncached_labeler = ReportLabeler("chestxray14")
    uncached_labeler._engine._cache_size = 0  # worst case: no sentence seen before
    uncached = _timed(lambda: sum(1 for _ in uncached_labeler.label_many(many, n_process=processes)))
    print(uncached.line("arbiter chestxray14, no cache", processes))
    from bench.nlp.run import _baseline_many
    from ml.nlp.naive_baseline import NaiveMedspacy

    naive = NaiveMedspacy()
    base_texts = texts[:600]
    base: Timing = _timed(lambda: sum(1 for _ in _baseline_many(naive, base_texts, processes)))
    print(base.line("naive medspacy (nlp.pipe)", processes))
    print(
        f"speed-up per CPU-second: {fast.per_cpu_second / base.per_cpu_second:.0f}x cached, "
        f"{uncached.per_cpu_second / base.per_cpu_second:.0f}x uncached"
    )
    for name, t in (("cached", fast), ("uncached", uncached)):
        verdict = "meets" if t.rate >= TARGET else "misses"
        print(
            f"target {TARGET} reports/s on {processes} cores, {name}: wall clock {t.rate:.0f} {verdict} it; "
            f"CPU estimate {processes * t.per_cpu_second:.0f} (load average {os.getloadavg()[0]:.1f})"
        )


def _run_seconds(code: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of a fresh interpreter running `code`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, timeout=300)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "one.csv", Path(tmp) / "out.csv"
        source.write_text('"FINDINGS: Small left effusion. No pneumothorax."\n')
        setup = (
            "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
            "from django.core.management import execute_from_command_line as run\n"
        )
        command = (
            f"run(['manage.py', 'label_reports', '--input', {str(source)!r}, '--output', {str(output)!r}])\n"
        )
        now = setup + command
        before = setup + "import torch\nrun(['manage.py', 'check'])\n" + command
        now_runs, before_runs = [], []
        for _ in range(runs):  # interleaved, so both see the same neighbours' load
            now_runs.append(_run_seconds(now))
            before_runs.append(_run_seconds(before))
    load = os.getloadavg()[0]
    print(f"\nStart-up of label_reports on one report (median of {runs}; load average {load:.1f}):")
    for name, found in (("now", now_runs), ("before (system checks, URL modules, torch)", before_runs)):
        wall, cpu = (statistics.median(x) for x in zip(*found, strict=True))
        print(f"  {name:<44} wall {wall:5.2f} s  CPU {cpu:5.2f} s")
    ratio = statistics.median(w for w, _ in before_runs) / statistics.median(w for w, _ in now_runs)
    print(f"  ratio before/now (wall): {ratio:.1f}x; on an idle machine the wall clock is about the CPU time")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nlp.real", description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10, help="passes over the reports for the speed figure")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument(
        "--whole-report-baseline", action="store_true", help="also the baseline reading INDICATION/COMPARISON"
    )
    args = parser.parse_args(argv)
    if not args.reports.is_file():
        print(f"skipped: {args.reports} is absent (see ../shared/data/README.md)")
        return
    accuracy(args.reports, args.whole_report_baseline)
    if not args.no_speed:
        speed(args.reports, args.processes, args.repeat)
    if args.startup_runs:
        startup(args.startup_runs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
