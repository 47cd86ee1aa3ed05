"""An upload imported by a real Celery worker process (Redis broker in CI) on the real database."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.models import Image, Job
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.imaging import factory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(job_id: int, timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.status in ("succeeded", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish; last status {job.status}")


def test_worker_imports_an_uploaded_dicom(celery_worker, settings, make_user):
    settings.MEDIA_ROOT = celery_worker.media_root
    dataset, _ = dataset_get_or_create(slug="worker-cxr", schema_key="chestxray14")
    admin = make_user("worker-admin")
    membership_grant(dataset=dataset, user=admin, role="admin")
    client = APIClient()
    client.force_authenticate(admin)
    upload = SimpleUploadedFile("one.dcm", factory.dicom_bytes(factory.gradient(seed=77)))
    r = client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/", {"importer": "dicom", "file": upload}, format="multipart"
    )
    assert r.status_code == 202
    job = wait_for(r.json()["id"])
    assert job.status == "succeeded", (job.errors, celery_worker.log()[-2000:])
    assert job.summary["created"] == 1
    image = Image.objects.get(dataset=dataset)
    assert (celery_worker.media_root / image.file.name).exists()
