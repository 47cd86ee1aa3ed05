"""The admin console's upload form in a real browser: a DICOM upload becomes an import job with a
progress bar, and the image lands in the dataset."""

import pytest

from annotations.models import Image, Job
from annotations.models.choices import Role
from tests.e2e.data import cxr_dataset, user_with_role
from tests.imaging import factory

pytestmark = pytest.mark.e2e


def test_upload_form_creates_an_import_job_with_progress(browser, make_user, tmp_path, eager_celery):
    dataset = cxr_dataset()
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    dicom = tmp_path / "upload.dcm"
    dicom.write_bytes(factory.dicom_bytes(factory.gradient(rows=64, cols=64, seed=7), patient_id="UP1"))

    r = browser.run("upload", user="admin1", dataset=dataset.id, file=str(dicom))

    job = Job.objects.get(dataset=dataset, kind="import")
    assert f"Import job #{job.id} queued" in r["status"]
    assert job.status == "succeeded" and (job.done, job.total) == (1, 1)
    assert r["progress"] == [1, 1]
    assert "succeeded" in r["rowText"]
    assert Image.objects.filter(dataset=dataset).count() == 1
