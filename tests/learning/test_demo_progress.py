"""The newcomer path (issue #17.9): the terminal follows the demo's jobs and says 'ready' when they are
done; the web workers are warmed (a signed-in first visit) before the address is shown."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.models import Job
from annotations.models.choices import JobKind, JobStatus
from learning.selectors.demo_progress import demo_ready, demo_steps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dataset(db):
    from annotations.services.datasets.datasets import dataset_get_or_create

    ds, _ = dataset_get_or_create(slug="cxr", name="Chest X-rays", modality="CXR", schema_key="chestxray14")
    return ds


def test_progress_lists_the_jobs_and_says_ready_only_when_they_are_done(dataset):
    job = Job.objects.create(kind=JobKind.NLP, dataset=dataset, status=JobStatus.RUNNING, total=40, done=10)
    steps = demo_steps()
    assert [s.line() for s in steps] == [f"cxr NLP labelling (job {job.pk}): running 10/40"]
    assert not demo_ready(steps)
    out = io.StringIO()
    with pytest.raises(SystemExit) as stop:
        call_command("demo_progress", timeout=0.2, interval=0.05, stdout=out)
    assert stop.value.code == 1
    assert "running 10/40" in out.getvalue() and "ready" not in out.getvalue().replace("still", "")

    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, done=40)
    out = io.StringIO()
    call_command("demo_progress", timeout=5, interval=0.05, url="http://127.0.0.1:8000/", stdout=out)
    text = out.getvalue()
    assert "1 demo job(s) already finished earlier" in text
    assert "==> ready: the demo's jobs are done at http://127.0.0.1:8000/" in text


def test_a_failed_job_still_ends_the_wait_and_is_named(dataset):
    Job.objects.create(kind=JobKind.QC, dataset=dataset, status=JobStatus.QUEUED)
    out = io.StringIO()
    Job.objects.update(status=JobStatus.FAILED)
    call_command("demo_progress", timeout=5, interval=0.05, stdout=out)
    assert "1 job(s) failed" in out.getvalue() and "see the worker log" in out.getvalue()


def test_warm_web_signs_in_and_reports_the_first_page_time(live_server, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("admin", staff=True, password="arbiter-demo")
    script = str(ROOT / "scripts" / "warm_web.py")
    proc = subprocess.run(
        [sys.executable, script, live_server.url, "admin", "arbiter-demo", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("==> web workers warm (first page in ")
