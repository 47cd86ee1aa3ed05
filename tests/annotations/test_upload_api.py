"""Uploads over REST become import jobs; the import runs in a task (eagerly here, on a real worker in
tests/integration)."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Image, Job
from tests.imaging import factory


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_upload_zip_of_dicoms_imports_with_per_file_errors(
    admin_client, dataset, eager_celery, django_capture_on_commit_callbacks
):
    payload = zip_of(
        {
            "a.dcm": factory.dicom_bytes(factory.gradient(seed=1)),
            "b.dcm": factory.dicom_bytes(factory.gradient(seed=2)),
            "junk.dcm": b"garbage bytes",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(
            f"/api/v1/datasets/{dataset.pk}/imports/",
            {"importer": "dicom", "file": SimpleUploadedFile("batch.zip", payload)},
            format="multipart",
        )
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == "succeeded"
    assert job.summary["created"] == 2 and job.summary["failed"] == 1
    assert job.errors == [
        {"file": "batch.zip:junk.dcm", "code": "not_dicom", "message": job.errors[0]["message"]}
    ]
    assert Image.objects.filter(dataset=dataset).count() == 2
    body = admin_client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["summary"]["created"] == 2 and body["errors"][0]["code"] == "not_dicom"


def test_an_upload_that_imports_nothing_is_a_failed_job_naming_its_error_classes(
    admin_client, dataset, eager_celery, django_capture_on_commit_callbacks
):
    before = Image.objects.filter(dataset=dataset).count()
    payload = zip_of({f"junk{i}.dcm": b"garbage bytes" for i in range(3)})
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client.post(
            f"/api/v1/datasets/{dataset.pk}/imports/",
            {"importer": "dicom", "file": SimpleUploadedFile("bad.zip", payload)},
            format="multipart",
        )
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == "failed" and job.finished_at is not None
    assert job.errors[0]["code"] == "nothing_imported"
    assert "not_dicom (3)" in job.errors[0]["message"]
    assert [e["code"] for e in job.errors[1:]] == ["not_dicom"] * 3
    assert job.summary["failed"] == 3 and job.summary["errors_by_class"] == {"not_dicom": 3}
    assert Image.objects.filter(dataset=dataset).count() == before


def test_upload_over_the_size_limit_is_refused_and_stores_nothing(admin_client, dataset, settings):
    settings.ARBITER_MAX_UPLOAD_BYTES = 1000
    r = admin_client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/",
        {"importer": "dicom", "file": SimpleUploadedFile("big.dcm", b"x" * 5000)},
        format="multipart",
    )
    assert r.status_code == 413
    assert "limit" in r.json()["error"]["message"]
    assert Job.objects.count() == 0


def test_upload_needs_admin_role_and_a_known_importer(make_user, admin_client, dataset):
    from rest_framework.test import APIClient

    from annotations.services.datasets.datasets import membership_grant

    reader = make_user("reader")
    membership_grant(dataset=dataset, user=reader, role="radiologist")
    client = APIClient()
    client.force_authenticate(reader)
    f = SimpleUploadedFile("a.dcm", factory.dicom_bytes(factory.gradient(seed=3)))
    r = client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/", {"importer": "dicom", "file": f}, format="multipart"
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    f.seek(0)
    r = admin_client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/", {"importer": "nifti", "file": f}, format="multipart"
    )
    assert r.status_code == 400 and "importer" in r.json()["error"]["detail"]
    assert Job.objects.count() == 0
