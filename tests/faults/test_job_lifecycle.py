"""The job lifecycle and the reaper, in process (fast): claims, heartbeats, cancel of every kind,
the cause of a failure, re-queue after a lost worker, the bounded attempts, training runs whose
worker is gone, and upload folders that are freed when their job ends (issue #19, #13.7)."""

import errno
import io
import os
import subprocess
import threading
import time
import zipfile
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone
from rest_framework.test import APIClient

from annotations.ingest.uploads import upload_dir, uploads_root, uploads_sweep
from annotations.models import AuditEvent, Image, Job, LabelSetSnapshot
from annotations.models.choices import JobKind, JobStatus, RunStatus
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.exports.snapshots import snapshot_create
from annotations.services.jobs.lifecycle import JobStopped, claim_token, job_claim
from annotations.services.jobs.reaper import jobs_reap
from annotations.services.jobs.records import job_create
from learning.models import TrainingRun
from tests.imaging import factory


@pytest.fixture
def dataset(db):
    return dataset_get_or_create(slug="life", schema_key="chestxray14")[0]


@pytest.fixture
def admin(dataset, make_user):
    user = make_user("life-admin")
    membership_grant(dataset=dataset, user=user, role="admin")
    client = APIClient()
    client.force_authenticate(user)
    return client


def _dicom_upload_job(dataset, n: int, *, seed: int = 1) -> Job:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n):
            zf.writestr(f"im{i}.dcm", factory.dicom_bytes(factory.gradient(32, 32, seed=seed * 100 + i)))
    job = job_create(kind=JobKind.IMPORT, dataset=dataset, params={"importer": "dicom", "file": "b.zip"})
    upload_dir(job.pk).mkdir(parents=True)
    (upload_dir(job.pk) / "b.zip").write_bytes(buf.getvalue())
    return job


def dead_claim() -> str:
    """A claim token of a process on this host that has exited (as a SIGKILLed worker's is)."""
    token = claim_token()
    gone = subprocess.Popen(["true"])
    gone.wait()
    return f"{token[:6]}{gone.pid:08x}{token[14:]}"


def _age(job: Job, seconds: float, **fields) -> None:
    """Make the job look as if its worker last beat `seconds` ago."""
    then = timezone.now() - timedelta(seconds=seconds)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=then, started_at=then, **fields)


def test_a_job_is_claimed_once_and_a_dead_claim_is_taken_over(dataset, settings):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    job = job_create(kind=JobKind.NLP, dataset=dataset)
    first = job_claim(job.pk, task_id="t1")
    assert first is not None
    job.refresh_from_db()
    assert (job.status, job.task_id, job.attempts) == (JobStatus.RUNNING, "t1", 0)
    assert job.heartbeat_at is not None and job.claim == first.token
    assert job_claim(job.pk) is None  # a duplicate delivery while the first worker lives
    _age(job, 31)
    assert job_claim(job.pk) is None  # late, but its process (this one) is alive: not taken over
    Job.objects.filter(pk=job.pk).update(claim=dead_claim())
    second = job_claim(job.pk, task_id="t2")  # the first worker died: a redelivery takes over
    assert second is not None and second.token != first.token
    job.refresh_from_db()
    assert job.attempts == 1 and job.claim == second.token
    assert first.beat() is False and first.cancelled  # the old claim can write nothing more
    assert first.finish(summary={"created": 1}, errors=[]) is False
    assert second.finish(summary={"created": 2}, errors=[]) is True
    job.refresh_from_db()
    assert (job.status, job.summary) == (JobStatus.SUCCEEDED, {"created": 2})
    assert job_claim(job.pk) is None  # finished jobs are never run again


@pytest.mark.parametrize("kind", JobKind.values)
def test_every_kind_is_cancelled_at_once_and_the_worker_cannot_undo_it(kind, dataset, admin):
    job = job_create(kind=kind, dataset=dataset)
    run = job_claim(job.pk)
    r = admin.post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "cancelled" and r.json()["finished_at"]
    assert run.beat() is False  # the worker's next heartbeat finds the job no longer its own
    with pytest.raises(JobStopped):
        run.check_cancelled()
    assert run.finish(summary={"created": 5}, errors=[]) is False
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.summary == {"created": 5}  # what the worker did is recorded beside the cancel
    assert AuditEvent.objects.filter(action="job.cancel", object_id=str(job.pk)).count() == 1
    assert admin.post(f"/api/v1/jobs/{job.pk}/cancel/").json()["error"]["code"] == "job_finished"


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "disk_full", "disk is full"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "disk_full", "disk is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "storage_permission", "permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "storage_permission", "read-only"),
        (OSError(errno.EIO, "Input/output error"), "io_error", "EIO"),
        (ValueError("bad header in the CSV"), "invalid", "bad header in the CSV"),
        (ZeroDivisionError("division by zero"), "internal_error", "ZeroDivisionError"),
    ],
)
def test_an_error_ends_the_job_failed_with_its_cause(exc, code, words, dataset):
    job = job_create(kind=JobKind.IMPORT, dataset=dataset)
    run = job_claim(job.pk)
    with run:
        run.progress(3, 10)
        raise exc
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert job.errors[0]["code"] == code and words in job.errors[0]["message"]
    assert "/" not in job.errors[0]["message"]  # never a path


def test_a_block_that_forgets_to_finish_still_ends_the_job(dataset):
    job = job_create(kind=JobKind.QC, dataset=dataset)
    with job_claim(job.pk):
        pass
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.errors[0]["code"] == "no_result"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_during_a_long_call_and_sees_a_cancel(settings):
    settings.ARBITER_JOB_HEARTBEAT_SECONDS = 0.1
    dataset = dataset_get_or_create(slug="beat", schema_key="chestxray14")[0]
    job = job_create(kind=JobKind.NLP, dataset=dataset)
    run = job_claim(job.pk)
    with run:
        first = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.5)  # one long call: no progress, no check
        assert Job.objects.get(pk=job.pk).heartbeat_at > first
        assert not run.cancelled
        Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
        deadline = time.monotonic() + 5
        while not run.cancelled and time.monotonic() < deadline:
            time.sleep(0.05)
        run.check_cancelled()
        raise AssertionError("unreachable: check_cancelled raises")
    assert run.result == {"status": "cancelled"}
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert not [t for t in threading.enumerate() if t.name == f"job-{job.pk}-heartbeat"]


def test_the_reaper_requeues_a_lost_import_and_the_rerun_completes_it(dataset, settings, eager_celery):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    job = _dicom_upload_job(dataset, 6)
    from annotations.ingest.registry import run_importer

    run_importer("dicom", dataset, [upload_dir(job.pk) / "b.zip"])  # what the dead worker stored
    Image.objects.filter(pk__in=list(Image.objects.values_list("pk", flat=True)[3:])).delete()
    _age(job, 5, status=JobStatus.RUNNING, claim="dead")
    assert jobs_reap()["requeued"] == 0  # 5 s without a beat is not yet lost
    _age(job, 31, status=JobStatus.RUNNING, claim="dead")
    counts = jobs_reap()  # re-queued and, eagerly, re-run here
    assert counts["requeued"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert (job.summary["created"], job.summary["existing"]) == (3, 3)
    assert Image.objects.filter(dataset=dataset).count() == 6
    assert not upload_dir(job.pk).exists()  # a finished import frees its upload


def test_the_reaper_leaves_a_late_job_whose_process_is_alive_on_this_host(dataset, settings, eager_celery):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    job = job_create(kind=JobKind.NLP, dataset=dataset)
    assert job_claim(job.pk) is not None  # this process holds the claim
    _age(job, 60)  # heartbeat late (a loaded machine, a database lock), the process alive
    assert jobs_reap()["requeued"] == 0
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    _age(job, 301)  # silent for ten stale periods: stuck, or the pid was reused
    assert jobs_reap()["requeued"] == 1
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == JobStatus.SUCCEEDED  # re-queued and re-run (eagerly)


def test_after_max_attempts_the_reaper_fails_the_job_with_the_reason(dataset, settings):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    settings.ARBITER_JOB_MAX_ATTEMPTS = 2
    job = _dicom_upload_job(dataset, 1)
    _age(job, 100, status=JobStatus.RUNNING, claim="dead", attempts=2)
    assert jobs_reap()["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert job.errors[0]["code"] == "worker_lost"
    assert "stopped responding" in job.errors[0]["message"] and "2 time(s)" in job.errors[0]["message"]
    assert AuditEvent.objects.filter(action="job.reaped", object_id=str(job.pk)).exists()
    assert (upload_dir(job.pk) / "b.zip").exists()  # a failed import keeps its file for a retry
    assert jobs_reap()["failed"] == 0


def test_a_lost_export_job_fails_its_snapshot_too(
    dataset, settings, make_user, django_capture_on_commit_callbacks
):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    settings.ARBITER_JOB_MAX_ATTEMPTS = 0
    snapshot = snapshot_create(dataset=dataset, actor=make_user("exp"))
    _age(snapshot.job, 60, status=JobStatus.RUNNING, claim="dead")
    jobs_reap()
    snapshot.refresh_from_db()
    assert snapshot.status == LabelSetSnapshot.Status.FAILED and "stopped responding" in snapshot.error


def test_a_queued_job_whose_message_was_lost_is_sent_again(dataset, settings, eager_celery):
    settings.ARBITER_JOB_QUEUED_RESEND_SECONDS = 60
    job = _dicom_upload_job(dataset, 2)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    assert jobs_reap()["resent"] == 0  # sent 30 s ago: it may simply wait its turn
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    assert jobs_reap()["resent"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.summary["created"] == 2


def test_training_runs_whose_worker_is_gone_end_failed_or_cancelled_at_once(dataset, settings, make_user):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    settings.ARBITER_JOB_HEARTBEAT_SECONDS = 2
    from learning.services.training.runs import training_run_cancel

    def running_run(beat_ago: float) -> TrainingRun:
        TrainingRun.objects.filter(dataset=dataset).delete()
        then = timezone.now() - timedelta(seconds=beat_ago)
        return TrainingRun.objects.create(
            dataset=dataset, kind="chexnet", status=RunStatus.RUNNING, started_at=then, heartbeat_at=then
        )

    run = running_run(1)  # a live worker: the cancel is a request it acts on
    assert training_run_cancel(run=run, user=None).status == RunStatus.RUNNING
    run = running_run(10)  # three beats missed: the worker is gone, the cancel takes effect now
    run = training_run_cancel(run=run, user=None)
    assert run.status == RunStatus.CANCELLED and run.finished_at
    run = running_run(31)
    assert jobs_reap()["training"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "stopped responding" in run.error
    run = running_run(3)
    TrainingRun.objects.filter(pk=run.pk).update(cancel_requested=True)
    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=31))
    jobs_reap()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.error == ""


def test_the_sweep_frees_uploads_nothing_needs(dataset, settings):
    settings.ARBITER_FAILED_UPLOAD_KEEP_HOURS = 24
    done = _dicom_upload_job(dataset, 1)
    failed_recent = _dicom_upload_job(dataset, 1)
    failed_old = _dicom_upload_job(dataset, 1)
    waiting = _dicom_upload_job(dataset, 1)
    (upload_dir(failed_recent.pk) / "unpacked").mkdir()
    now = timezone.now()
    Job.objects.filter(pk=done.pk).update(status=JobStatus.SUCCEEDED, finished_at=now)
    Job.objects.filter(pk=failed_recent.pk).update(status=JobStatus.FAILED, finished_at=now)
    Job.objects.filter(pk=failed_old.pk).update(
        status=JobStatus.FAILED, finished_at=now - timedelta(hours=25)
    )
    orphan = uploads_root() / "job-999999"
    stale_staging = uploads_root() / ".staging" / "abc"
    for folder in (orphan, stale_staging):
        folder.mkdir(parents=True)
        (folder / "x.zip").write_bytes(b"x")
        os.utime(folder, (time.time() - 7 * 3600,) * 2)
    fresh_staging = uploads_root() / ".staging" / "def"  # a request still writing
    fresh_staging.mkdir()
    assert uploads_sweep() == 4
    assert not upload_dir(done.pk).exists() and not upload_dir(failed_old.pk).exists()
    assert (upload_dir(failed_recent.pk) / "b.zip").exists()
    assert not (upload_dir(failed_recent.pk) / "unpacked").exists()
    assert (upload_dir(waiting.pk) / "b.zip").exists()
    assert not orphan.exists() and not stale_staging.exists() and fresh_staging.exists()


def test_a_lost_index_build_is_requeued_and_built_again(dataset, settings, eager_celery):
    from annotations.models.choices import ModelKind
    from tests.learning.worker.conftest import register_tiny

    settings.ARBITER_JOB_STALE_SECONDS = 30
    mv = register_tiny(dataset, ModelKind.CHEXNET)
    job = job_create(kind=JobKind.INDEX, dataset=dataset, params={"model_version": mv.pk})
    _age(job, 31, status=JobStatus.RUNNING, claim="dead")
    assert jobs_reap()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert job.summary["model_version"] == mv.pk and job.summary["status"] == "empty"  # no embeddings yet


@pytest.fixture
def scoring_job(nih, chexnet):
    from learning.services.scoring.jobs import scoring_plan, scoring_start

    job = scoring_start(model_version=chexnet, chunk_size=14, dispatch=False)
    plan = dict(scoring_plan(job.pk))  # two chunks: 14 and 13 images
    return job, plan


def test_a_scoring_chunk_lost_with_its_worker_is_sent_again(
    scoring_job, chexnet, nih, settings, eager_celery
):
    from learning.models import Prediction
    from learning.services.scoring.jobs import scoring_chunk_claim
    from learning.tasks.scoring_chunks import score_chunk

    settings.ARBITER_JOB_STALE_SECONDS = 30
    job, plan = scoring_job
    score_chunk.apply(args=[chexnet.pk, plan[1], job.pk, 1])  # chunk 1 done
    assert scoring_chunk_claim(job.pk, 0, dead_claim())  # a worker took chunk 0, then was killed
    _age(job, 31)
    assert jobs_reap()["requeued"] == 1  # chunk 0 re-sent (and run here, eagerly), then the finaliser
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1, job.errors
    assert Prediction.objects.filter(model_version=chexnet).count() == nih.images.count() == job.done


def test_scoring_chunks_waiting_in_a_busy_queue_are_not_a_lost_worker(
    scoring_job, chexnet, settings, eager_celery
):
    settings.ARBITER_JOB_STALE_SECONDS = 30
    settings.ARBITER_JOB_QUEUED_RESEND_SECONDS = 600
    job, _ = scoring_job
    _age(job, 120)  # planned two minutes ago, no chunk has started: they wait behind other work
    assert jobs_reap()["requeued"] == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 0
    _age(job, 601)  # ten minutes without a chunk: the messages may be lost; the plan is sent again
    assert jobs_reap()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 0  # not counted as a lost worker


def test_a_pacs_sync_is_a_job_retried_while_the_pacs_is_down_then_failed_with_the_reason(
    dataset, settings, eager_celery
):
    from annotations.ingest.pacs_sources import pacs_source_get_or_create
    from annotations.tasks.pacs import pacs_sync_source
    from tests.support.ports import free_port

    settings.ARBITER_JOB_STALE_SECONDS = 30
    source, _ = pacs_source_get_or_create(dataset=dataset, url=f"http://127.0.0.1:{free_port()}/dicom-web")
    job = job_create(kind=JobKind.PACS, dataset=dataset, params={"source": source.pk})
    # Nothing listens there: a try gives the job back to the queue and asks for a retry (later, with
    # backoff) ...
    with pytest.raises(Retry):
        pacs_sync_source.apply(args=[source.pk, job.pk], retries=0)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.claim == ""
    # ... and the last retry fails it with the reason.
    pacs_sync_source.apply(args=[source.pk, job.pk], retries=pacs_sync_source.max_retries, throw=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.errors[0]["code"] == "pacs_unavailable" and "up" in job.errors[0]["message"], job.errors
    # a sync whose worker died is re-queued like any other job (its task sent again)
    _age(job, 31, status=JobStatus.RUNNING, claim="dead", errors=[])
    assert jobs_reap()["requeued"] == 1  # the re-sent task found the PACS down too: it will retry
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == JobStatus.QUEUED


def test_a_pacs_label_export_whose_worker_died_is_sent_again_as_an_export(dataset, settings, eager_celery):
    from annotations.ingest.pacs_sources import pacs_source_get_or_create
    from annotations.tasks.pacs import pacs_labels_job_create, pacs_sync_job_start
    from tests.support.ports import free_port

    settings.ARBITER_JOB_STALE_SECONDS = 30
    source, _ = pacs_source_get_or_create(dataset=dataset, url=f"http://127.0.0.1:{free_port()}/dicom-web")
    job = pacs_labels_job_create(source)
    # a queued export is not a sync of the source: the periodic sync still starts beside it
    with pytest.raises(Retry):  # the sync started (eagerly here) and found the PACS down
        pacs_sync_job_start(source)
    sync = Job.objects.exclude(pk=job.pk).get(kind=JobKind.PACS, dataset=dataset)
    assert sync.params == {"source": source.pk}
    Job.objects.filter(pk=sync.pk).update(status=JobStatus.CANCELLED)
    _age(job, 31, status=JobStatus.RUNNING, claim="dead", errors=[])
    assert jobs_reap()["requeued"] == 1
    job.refresh_from_db()
    # re-sent to the export task, not the sync: no study has final labels, so nothing to send and the
    # PACS (down) is never asked; a sync would have failed reaching it
    assert (job.status, job.attempts, job.summary) == (JobStatus.SUCCEEDED, 1, {"sent": 0, "skipped": 0})


def test_a_lost_chunk_is_sent_again_while_other_chunks_still_run(
    scoring_job, chexnet, settings, eager_celery
):
    import time as clock

    from learning.models import Prediction
    from learning.services.scoring.jobs import scoring_chunk_claim

    settings.ARBITER_JOB_STALE_SECONDS = 30
    job, plan = scoring_job
    assert scoring_chunk_claim(job.pk, 0, dead_claim())  # its worker was killed 31 s ago ...
    summary = Job.objects.get(pk=job.pk).summary
    summary["chunk_beats"]["0"][1] = clock.time() - 31
    Job.objects.filter(pk=job.pk).update(summary=summary, heartbeat_at=timezone.now())  # ... others beat
    assert jobs_reap()["requeued"] == 1  # chunk 0 re-sent (and run here, eagerly)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 1  # chunk 1 still to come
    assert "0" in job.summary["done_chunks"] and "0" not in job.summary.get("chunk_beats", {})
    assert Prediction.objects.filter(model_version=chexnet).count() == len(plan[0])
    assert jobs_reap()["requeued"] == 0
