"""The planted-identifier test over the whole surface.

DICOM images and an SR report carrying a known name, MRN, accession number, UIDs, institution,
referring physician and dates are imported (over the REST upload, on a dataset whose policy shifts
dates), a reports CSV names the study by its original accession, the NLP job runs, a reader reads,
and a snapshot is built. Then every GET of the OpenAPI schema is called as the reader and as the
export-role user (the ML engineer), both snapshot files are downloaded, and every log line written
meanwhile is collected: none of them holds any planted identifier. Only the admin-only mapping does,
and reading it is refused to both and audited for an admin.
"""

import io
import logging
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from annotations.models import AuditEvent, IdentityMapping, Image, Job, Read, Report, Study, WorkItem
from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.annotations.reading.conftest import api_client, labels
from tests.privacy import planted

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("WHITFIELD_HORATIO/MRN99813577/IM0001.dcm", planted.image_bytes(0))
        z.writestr("WHITFIELD_HORATIO/MRN99813577/IM0002.dcm", planted.image_bytes(1))
        z.writestr("WHITFIELD_HORATIO/MRN99813577/SR0001.dcm", planted.sr_bytes())
    return buf.getvalue()


def _reports_csv() -> bytes:
    body = planted.REPORT.replace('"', "'") + "Addendum: effusion unchanged on 07/09/2021."
    return f'accession_number,report_text\r\n{planted.ACCESSION},"{body}"\r\n'.encode()


def _upload(client, dataset, importer: str, name: str, content: bytes) -> Job:
    r = client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/",
        {"importer": importer, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == "succeeded", (job.status, job.errors)
    return job


@pytest.fixture
def world(make_user, eager_celery, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    dataset, _ = dataset_get_or_create(slug="hospital", name="Hospital", schema_key="chestxray14")
    dataset.shift_dates = True
    dataset.readers_per_item = 1
    dataset.save()
    people = {name: make_user(f"h-{name}") for name in ("admin", "reader", "engineer")}
    membership_grant(dataset=dataset, user=people["admin"], role=Role.ADMIN)
    membership_grant(dataset=dataset, user=people["reader"], role=Role.RADIOLOGIST)
    membership_grant(dataset=dataset, user=people["engineer"], role=Role.EXPORT)
    clients = {name: api_client(user) for name, user in people.items()}
    admin = clients["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin, dataset, "dicom", "export-for-whitfield.zip", _zip())
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin, dataset, "reports", "reports.csv", _reports_csv())
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"/api/v1/datasets/{dataset.pk}/nlp/").status_code == 202
    images = list(Image.objects.filter(dataset=dataset))
    assert len(images) == 2 and Report.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(
            f"/api/v1/datasets/{dataset.pk}/worklist/enqueue/", {"image_ids": [i.pk for i in images]}
        )
        assert r.status_code == 201, r.content
    reader = clients["reader"]
    posted: dict[str, str] = {}  # what the reader's own writes answered (the reading context included)
    for k, _ in enumerate(images):
        answer = reader.post(f"/api/v1/datasets/{dataset.pk}/worklist/next/")
        posted[f"reader POST worklist/next #{k}"] = answer.content.decode()
        task = answer.json()
        assert task["task"] == "read", task
        body = {"labels": labels(dataset, Effusion="positive")}
        with django_capture_on_commit_callbacks(execute=True):
            done = reader.post(f"/api/v1/reads/{task['read']['id']}/submit/", body)
        assert done.status_code == 200
        posted[f"reader POST submit #{k}"] = done.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(f"/api/v1/datasets/{dataset.pk}/label-sets/", {})
        assert r.status_code == 202, r.content
    return dataset, clients, people, posted


def _ids(dataset) -> dict[str, int]:
    image = Image.objects.filter(dataset=dataset).first()
    return {
        "datasets": dataset.pk,
        "images": image.pk,
        "studies": Study.objects.filter(dataset=dataset).first().pk,
        "jobs": Job.objects.filter(dataset=dataset).first().pk,
        "reads": Read.objects.first().pk,
        "work-items": WorkItem.objects.first().pk,
        "label-sets": 1,
    }


def _url(path: str, ids: dict[str, int]) -> str:
    def fill(m: re.Match) -> str:
        before = path[: m.start()].rstrip("/").split("/")[-1]
        return str(ids.get(before, 1))

    return re.sub(r"\{\w+\}", fill, path)


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if kind.startswith(("image/", "application/octet-stream")):
        return ""
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def test_no_planted_identifier_reaches_a_reader_an_engineer_a_snapshot_or_a_log(world, caplog):
    dataset, clients, _people, posted = world
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ids = _ids(dataset)
    seen: dict[str, str] = dict(posted)
    answered = 0
    for path, ops in sorted(schema["paths"].items()):
        if "get" not in ops:
            continue
        url = _url(path, ids)
        for role in ("reader", "engineer"):
            response = clients[role].get(url, {"dataset": dataset.pk})
            assert response.status_code != 500, (role, url, response.content[:300])
            answered += response.status_code == 200
            seen[f"{role} GET {url}"] = _text(response)
    for fmt in ("csv", "jsonl"):
        response = clients["engineer"].get(
            f"/api/v1/datasets/{dataset.pk}/label-sets/1/download/", {"file": fmt}
        )
        assert response.status_code == 200, response.content
        seen[f"snapshot {fmt}"] = _text(response)
    # The surface was really reached: the report, the study and the labels were served.
    everything = "\n".join(seen.values())
    assert answered >= 20
    assert "pleural effusion" in everything.lower()
    assert "[NAME]" in seen["reader POST worklist/next #0"]  # the reader got the (scrubbed) report
    assert Study.objects.get().study_instance_uid in everything
    assert len(seen["snapshot csv"].splitlines()) == 3
    leaks = {where: planted.hits(body) for where, body in seen.items() if planted.hits(body)}
    assert leaks == {}
    log_lines = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    assert log_lines, "nothing was logged at all"
    assert [line for line in log_lines if planted.hits(line)] == []
    # Only the admin-only mapping holds the originals.
    originals = set(IdentityMapping.objects.values_list("original", flat=True))
    assert {planted.MRN, planted.ACCESSION, planted.STUDY_UID, planted.NAME} <= originals


def test_the_mapping_is_admin_only_and_every_reveal_is_audited(world):
    _dataset, clients, people, _posted = world
    study = Study.objects.get()
    body = {"kind": "patient_id", "pseudonym": study.patient.pseudo_id, "reason": "PACS correction"}
    for role in ("reader", "engineer", "admin"):  # a dataset admin is not a platform admin
        r = clients[role].post("/api/v1/identity/reveal/", body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    people["admin"].is_staff = True
    people["admin"].save()
    r = clients["admin"].post("/api/v1/identity/reveal/", body)
    assert r.status_code == 200 and r.json()["original"] == planted.MRN
    missing_reason = clients["admin"].post("/api/v1/identity/reveal/", {**body, "reason": " "})
    assert missing_reason.status_code == 400
    event = AuditEvent.objects.get(action="identity.reveal")
    assert event.actor == people["admin"] and event.after["reason"] == "PACS correction"
    assert planted.MRN not in str(event.after)  # the audit says what was asked, not the answer
