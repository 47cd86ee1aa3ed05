"""The access audit: who exported, downloaded or re-identified what, and when; admins only."""

import pytest

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.privacy.identity import SourceIds, source_ids_pseudonymise
from tests.annotations.reading.conftest import api_client


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_exports_downloads_and_reveals_are_listed_for_staff_only(
    make_user, eager_celery, django_capture_on_commit_callbacks
):
    dataset, _ = dataset_get_or_create(slug="audited", name="Audited", schema_key="chestxray14")
    other, _ = dataset_get_or_create(slug="other", name="Other", schema_key="chestxray14")
    admin, engineer, staff = make_user("ds-admin"), make_user("ml-engineer"), make_user("ops", staff=True)
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    membership_grant(dataset=dataset, user=engineer, role=Role.EXPORT)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client(admin).post(f"/api/v1/datasets/{dataset.pk}/label-sets/", {})
    assert created.status_code == 202, created.content
    for fmt in ("csv", "jsonl", "csv"):
        r = api_client(engineer).get(f"/api/v1/datasets/{dataset.pk}/label-sets/1/download/", {"file": fmt})
        assert r.status_code == 200
    stored = source_ids_pseudonymise(other, SourceIds(patient_id="MRN-1", study_uid="1.2.3"))
    reveal = {"kind": "patient_id", "pseudonym": stored.patient_id, "reason": "audit test"}
    assert api_client(staff).post("/api/v1/identity/reveal/", reveal).json()["original"] == "MRN-1"

    for user in (admin, engineer):
        r = api_client(user).get("/api/v1/audit/")
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    events = api_client(staff).get("/api/v1/audit/").json()["results"]
    got = [(e["action"], e["actor"], e["after"].get("format")) for e in events]
    assert got == [
        ("identity.reveal", "ops", None),
        ("snapshot.download", "ml-engineer", "csv"),
        ("snapshot.download", "ml-engineer", "jsonl"),
        ("snapshot.download", "ml-engineer", "csv"),
        ("snapshot.create", "ds-admin", None),
    ]
    assert all(e["at"] for e in events)
    downloads = (
        api_client(staff).get("/api/v1/audit/", {"action": "snapshot.download", "dataset": dataset.pk}).json()
    )
    assert downloads["count"] == 3 and {e["object_type"] for e in downloads["results"]} == {
        "annotations.labelsetsnapshot"
    }
    assert api_client(staff).get("/api/v1/audit/", {"dataset": other.pk}).json()["count"] == 0
    everything = api_client(staff).get("/api/v1/audit/", {"action": "all"}).json()["count"]
    assert everything > 5  # 'all' adds the other writes (dataset creation, memberships...)
