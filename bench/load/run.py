"""Load test: N simulated readers (Locust) against gunicorn + PostgreSQL on loopback.

    python -m bench.load [--readers 50] [--duration 60] [--patients 200] [--workers 2] [--threads 8]

1. (Re)creates the database ``arbiter_load`` (``--database``) and migrates it.
2. Imports a synthetic DICOM cohort, makes ``--readers`` radiologists with API tokens and queues every
   image (readers_per_item = 3).
3. Starts gunicorn on a free port, runs a 1-reader baseline (``--baseline`` s), then the N-reader run
   (``--duration`` s): each reader pulls its next item, views the rendered image and a thumbnail,
   and submits a read.
4. Prints requests/s, p50/p95/p99 per endpoint, the error count, the ratios against the baseline,
   and proves from the database that no item got more first reads than its policy allows.

Exit status 1 when any request failed or the policy was broken.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
BIN = Path(PY).parent


@dataclass
class EndpointStats:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass
class RunStats:
    readers: int
    seconds: int
    endpoints: list[EndpointStats]
    total: EndpointStats


@dataclass
class PolicyCheck:
    items: int
    items_done: int
    reads_submitted: int
    max_first_reads_per_item: int
    items_over_policy: int
    readers_per_item: int
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        self.ok = self.items_over_policy == 0 and self.max_first_reads_per_item <= self.readers_per_item


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(*, patients: int, readers: int, work: Path) -> dict:
    """Cohort, readers with tokens, and the queue; returns the Locust config."""
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from annotations.ingest.dicom import import_dicom
    from annotations.models.choices import Role
    from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
    from annotations.services.reading.worklist import worklist_enqueue
    from synthetic.cohort import CohortConfig, generate_cohort

    cohort = work / "cohort"
    generate_cohort(
        cohort,
        CohortConfig(
            seed=7,
            n_cxr_patients=0,
            n_oct_patients=0,
            n_pediatric=0,
            n_chexpert_patients=0,
            n_dicom_patients=patients,
            image_size=256,
            dicom_sr_rate=0.0,
        ),
    )
    dataset, _ = dataset_get_or_create(slug="load", schema_key="chestxray14", readers_per_item=3)
    summary = import_dicom(dataset, [cohort / "dicom"])
    User = get_user_model()
    tokens = []
    for i in range(readers):
        user = User.objects.create(username=f"load-reader-{i}")
        user.set_unusable_password()
        user.save()
        membership_grant(dataset=dataset, user=user, role=Role.RADIOLOGIST)
        tokens.append(AuthToken.objects.create(user)[1])
    queued = worklist_enqueue(dataset=dataset)
    findings = list(
        dataset.schema.findings.filter(is_derived=False).order_by("order").values_list("key", flat=True)
    )
    print(f"seeded: {summary.created} images, {readers} readers, queue: {queued}", flush=True)
    return {"dataset_id": dataset.pk, "tokens": tokens, "findings": findings}


def start_gunicorn(
    port: int, env: dict[str, str], *, workers: int, threads: int, log: Path
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=5)
            return proc
        except Exception:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def _f(row: dict, key: str) -> float:
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return 0.0


def run_locust(url: str, *, users: int, seconds: int, config: Path, prefix: Path) -> RunStats:
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(users // 2, 1)),
        "-t",
        f"{seconds}s",
        "-H",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    subprocess.run(cmd, env={**os.environ, "ARBITER_LOAD_CONFIG": str(config)}, check=False, cwd=ROOT)
    with Path(f"{prefix}_stats.csv").open() as fh:
        rows = list(csv.DictReader(fh))

    def stats(row: dict) -> EndpointStats:
        return EndpointStats(
            name=row["Name"],
            requests=int(_f(row, "Request Count")),
            failures=int(_f(row, "Failure Count")),
            rps=round(_f(row, "Requests/s"), 2),
            p50=_f(row, "50%"),
            p95=_f(row, "95%"),
            p99=_f(row, "99%"),
        )

    endpoints = [stats(r) for r in rows if r["Name"] != "Aggregated"]
    total = stats(next(r for r in rows if r["Name"] == "Aggregated"))
    return RunStats(readers=users, seconds=seconds, endpoints=endpoints, total=total)


def check_policy(dataset_id: int) -> PolicyCheck:
    from django.db.models import Count, Max

    from annotations.models import Dataset, Read, WorkItem
    from annotations.models.choices import ReadStatus, WorkState

    dataset = Dataset.objects.get(pk=dataset_id)
    first = Read.objects.filter(image__dataset=dataset, round=0).exclude(status=ReadStatus.CLAIMED)
    per_item = first.values("image_id").annotate(n=Count("id"))
    over = per_item.filter(n__gt=dataset.readers_per_item).count()
    return PolicyCheck(
        items=WorkItem.objects.filter(dataset=dataset).count(),
        items_done=WorkItem.objects.filter(dataset=dataset, state=WorkState.DONE).count(),
        reads_submitted=first.count(),
        max_first_reads_per_item=per_item.aggregate(m=Max("n"))["m"] or 0,
        items_over_policy=over,
        readers_per_item=dataset.readers_per_item,
    )


def print_stats(title: str, stats: RunStats) -> None:
    print(f"\n{title}: {stats.readers} readers for {stats.seconds} s")
    head = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
    print(f"  {'endpoint':<20}" + "".join(f"{h:>9}" for h in head))
    for e in [*stats.endpoints, stats.total]:
        cells = (e.requests, e.failures, f"{e.rps:.1f}", f"{e.p50:.0f}", f"{e.p95:.0f}", f"{e.p99:.0f}")
        print(f"  {e.name:<20}" + "".join(f"{c:>9}" for c in cells))


def run(
    *,
    readers: int,
    duration: int,
    baseline: int,
    patients: int,
    workers: int,
    threads: int,
    database: str,
    keep: bool = False,
) -> dict:
    work = Path(tempfile.mkdtemp(prefix="arbiter-load-"))
    env = {
        "DATABASE_URL": database,
        "ARBITER_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "var" / "media"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-load-not-secret",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    recreate_database(database)
    setup_django(env)
    config = seed(patients=patients, readers=readers, work=work)
    config_path = work / "locust.json"
    config_path.write_text(json.dumps(config))
    port = free_port()
    server = start_gunicorn(port, env, workers=workers, threads=threads, log=work / "gunicorn.log")
    try:
        url = f"http://127.0.0.1:{port}"
        base = run_locust(url, users=1, seconds=baseline, config=config_path, prefix=work / "baseline")
        main_run = run_locust(url, users=readers, seconds=duration, config=config_path, prefix=work / "main")
    finally:
        server.terminate()
        server.wait(timeout=30)
    policy = check_policy(config["dataset_id"])
    print_stats("baseline", base)
    print_stats("load", main_run)
    ratios = {
        "throughput_vs_1_reader": round(main_run.total.rps / base.total.rps, 2) if base.total.rps else None,
        "p95_vs_1_reader": round(main_run.total.p95 / base.total.p95, 2) if base.total.p95 else None,
    }
    print(f"\nratios against the 1-reader baseline: {ratios}")
    print(f"policy: {asdict(policy)}")
    server_errors = main_run.total.failures + base.total.failures
    print(f"errors: {server_errors}")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "baseline": asdict(base),
        "load": asdict(main_run),
        "ratios": ratios,
        "policy": asdict(policy),
        "errors": server_errors,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--readers", type=int, default=50)
    p.add_argument("--duration", type=int, default=60, help="seconds of the N-reader run")
    p.add_argument("--baseline", type=int, default=15, help="seconds of the 1-reader baseline")
    p.add_argument("--patients", type=int, default=200, help="synthetic DICOM patients (1-2 studies each)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/arbiter_load")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, Locust CSVs)")
    a = p.parse_args(argv)
    result = run(
        readers=a.readers,
        duration=a.duration,
        baseline=a.baseline,
        patients=a.patients,
        workers=a.workers,
        threads=a.threads,
        database=a.database,
        keep=a.keep,
    )
    if a.json:
        a.json.write_text(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 and result["policy"]["ok"] else 1
