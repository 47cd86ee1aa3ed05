"""Celery faults on a private Redis (never the machine's shared one):

* a worker SIGKILLed in the middle of an import task: the task comes back (acks_late redelivery
  after the visibility timeout, or sooner the new worker's reaper: tests.faults.test_every_job_ends)
  to a new worker, whose rerun is idempotent: the final state equals one clean run;
* Redis crashing (SIGKILL) and restarting while tasks wait in the queue: nothing is lost (AOF,
  fsync always), and a worker started afterwards runs every task.
"""

import io
import zipfile

import pytest
from django.conf import settings as django_settings

from annotations.ingest.uploads import upload_dir
from annotations.models import Image, Job
from annotations.models.choices import JobKind, JobStatus
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.jobs.records import job_create
from annotations.tasks.imports import import_job
from tests.faults.brokers import publish, start_worker, wait_for
from tests.imaging import factory
from tests.support.services import in_ci, is_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not is_postgres() and not in_ci(), reason="a worker process needs a shared PostgreSQL"
    ),
]


def _upload_job(dataset, n_images: int, *, seed: int) -> Job:
    """A queued DICOM import job whose upload (a zip of n images) is already on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n_images):
            zf.writestr(f"im{i:04d}.dcm", factory.dicom_bytes(factory.gradient(48, 48, seed=seed * 1000 + i)))
    job = job_create(kind=JobKind.IMPORT, dataset=dataset, params={"importer": "dicom", "file": "batch.zip"})
    upload_dir(job.pk).mkdir(parents=True, exist_ok=True)
    (upload_dir(job.pk) / "batch.zip").write_bytes(buf.getvalue())
    return job


def test_worker_killed_mid_import_is_redelivered_and_the_rerun_is_idempotent(private_redis, tmp_path):
    dataset = dataset_get_or_create(slug="killed", schema_key="chestxray14")[0]
    n = 150
    job = _upload_job(dataset, n, seed=1)
    media = django_settings.MEDIA_ROOT
    first = start_worker(private_redis.url, media_root=media, workdir=tmp_path / "w1")
    try:
        publish(import_job, job.pk, broker=private_redis.url)
        wait_for(
            lambda: Image.objects.filter(dataset=dataset).count() >= 5, timeout=90, what="import to start"
        )
        first.kill()
    finally:
        first.stop()
    stored_when_killed = Image.objects.filter(dataset=dataset).count()
    assert 5 <= stored_when_killed < n, "the kill must land mid-task"
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # died without finishing or acknowledging

    second = start_worker(private_redis.url, media_root=media, workdir=tmp_path / "w2")
    try:
        wait_for(
            lambda: Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED,
            timeout=120,
            interval=0.5,
            what=f"redelivery and rerun\n{second.log()[-2000:]}",
        )
    finally:
        second.stop()
    job.refresh_from_db()
    assert Image.objects.filter(dataset=dataset).count() == n
    assert len(set(Image.objects.filter(dataset=dataset).values_list("pixel_checksum", flat=True))) == n
    # The rerun found the images stored before the kill and created only the rest.
    assert (job.summary["created"], job.summary["existing"], job.summary["failed"]) == (
        n - stored_when_killed,
        stored_when_killed,
        0,
    )


def test_redis_crash_while_tasks_are_queued_loses_nothing(private_redis, tmp_path):
    dataset = dataset_get_or_create(slug="redis-crash", schema_key="chestxray14")[0]
    jobs = [_upload_job(dataset, 3, seed=10 + k) for k in range(5)]
    for job in jobs:
        publish(import_job, job.pk, broker=private_redis.url)
    assert private_redis.client().llen("default") == 5

    private_redis.kill()  # crash: no clean shutdown, only the append-only file survives
    private_redis.start()
    assert private_redis.client().llen("default") == 5

    worker = start_worker(private_redis.url, media_root=django_settings.MEDIA_ROOT, workdir=tmp_path / "w")
    try:
        wait_for(
            lambda: Job.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.SUCCEEDED).count() == 5,
            timeout=120,
            interval=0.5,
            what=f"the queued jobs\n{worker.log()[-2000:]}",
        )
    finally:
        worker.stop()
    assert Image.objects.filter(dataset=dataset).count() == 15
    assert private_redis.client().llen("default") == 0
