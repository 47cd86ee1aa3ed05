"""The access audit in the admin console (issue #18): staff read who downloaded which label set and
who re-identified what; a dataset admin has no such panel (and the API refuses them)."""

import pytest
from rest_framework.test import APIClient

from annotations.models.choices import Role
from annotations.services.privacy.identity import SourceIds, source_ids_pseudonymise
from tests.e2e.data import cxr_dataset, user_with_role
from tests.support.tokens import api_token

pytestmark = pytest.mark.e2e


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def test_staff_see_downloads_and_reidentifications(
    browser, make_user, eager_celery, django_capture_on_commit_callbacks
):
    dataset = cxr_dataset()
    admin = user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    engineer = user_with_role(make_user, dataset, "engineer1", Role.EXPORT)
    staff = make_user("ops1", staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert _client(admin).post(f"/api/v1/datasets/{dataset.pk}/label-sets/", {}).status_code == 202
    download = _client(engineer).get(
        f"/api/v1/datasets/{dataset.pk}/label-sets/1/download/", {"file": "jsonl"}
    )
    assert download.status_code == 200
    stored = source_ids_pseudonymise(dataset, SourceIds(patient_id="MRN-E2E", study_uid="1.2.3.4"))
    body = {"kind": "patient_id", "pseudonym": stored.patient_id, "reason": "wrong patient merged"}
    assert _client(staff).post("/api/v1/identity/reveal/", body).status_code == 200

    r = browser.run("audit", staff="ops1", admin="admin1")

    assert "engineer1 downloaded label set v1 (jsonl)" in r["auditText"]
    assert "ops1 re-identified a patient id: wrong patient merged" in r["auditText"]
    assert "admin1 created a label-set snapshot" in r["auditText"]
    assert "MRN-E2E" not in r["auditText"]
    assert r["adminAuditPanels"] == 0
