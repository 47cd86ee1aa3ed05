"""Every job ends on its own (issue #19): a real worker SIGKILLed in the middle of each kind of job
(import, NLP, QC, scoring, snapshot, training, similar-case index build, PACS sync and PACS label
export), on the embedded default (SQLite + the filesystem broker, which cannot redeliver) and on
PostgreSQL + Redis with the production visibility timeout (5 minutes, far longer than the bound): the
next worker's reaper recovers the job within the bound, the job ends (succeeded, or for training
failed with the reason), nothing is lost and nothing is duplicated. About six minutes per broker on
two cores (a worker start is ~10 s of it per kind). The PACS kinds run against a real Orthanc
(tests.support.orthanc): without one they are left out locally, and CI fails instead.

The figures (kill -> recovery, kill -> end, per kind) are printed; run with -s to see them.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.brokers import publish
from tests.faults.kill_chain import RECOVERY_BOUND_S, Broker, KindResult, format_results, run_kill_chain
from tests.support.orthanc import find_orthanc
from tests.support.services import in_ci, is_postgres

ROOT = Path(__file__).resolve().parents[2]
ALL_KINDS = "import,nlp,qc,scoring,snapshot,training,index,pacs-sync,pacs-export"
PACS_KINDS = ("pacs-sync", "pacs-export")
# ARBITER_KILL_KINDS=scoring,training runs only those (while working on one kind).
KINDS = [
    kind
    for kind in os.environ.get("ARBITER_KILL_KINDS", ALL_KINDS).split(",")
    if kind not in PACS_KINDS or find_orthanc() is not None or in_ci()
]

pytestmark = [pytest.mark.integration]


def _assert_all_recovered(results: list[KindResult]) -> None:
    assert [r.kind for r in results] == KINDS, [r.as_dict() for r in results]
    for r in results:
        assert not r.problems, f"{r.kind}: {r.problems}"
        assert r.recovered_s is not None and r.recovered_s <= RECOVERY_BOUND_S, r.as_dict()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not is_postgres() and not in_ci(), reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_every_job_kind_ends_after_a_sigkill_on_postgres_and_redis(private_redis, small_cohort_dir, tmp_path):
    def send(task, *args, queue: str | None = "default") -> None:
        publish(task, *args, broker=private_redis.url, visibility_timeout=300, queue=queue)

    broker = Broker("PostgreSQL + Redis (visibility timeout 300 s)", private_redis.url, send)
    results = run_kill_chain(KINDS, broker, tmp_path / "chain", small_cohort_dir)
    print("\n" + format_results(broker.name, results))
    _assert_all_recovered(results)


def test_every_job_kind_ends_after_a_sigkill_on_the_embedded_default(small_cohort_dir, tmp_path):
    var = tmp_path / "var"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'arbiter.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "ARBITER_BROKER_DIR": str(var / "broker"),
        "ARBITER_VAR_DIR": str(var),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "OMP_NUM_THREADS": "1",
    }
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.faults.embedded_driver",
            str(out),
            str(small_cohort_dir),
            str(tmp_path / "chain"),
            *KINDS,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    print("\n" + proc.stdout)
    assert proc.returncode == 0, proc.stderr[-5000:]
    results = [KindResult(**r) for r in json.loads(out.read_text())]
    _assert_all_recovered(results)
