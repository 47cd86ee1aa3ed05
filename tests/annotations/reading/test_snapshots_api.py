"""Label-set snapshots: numbered, immutable, checksummed, streamed, byte-identical on re-download,
Google's layout for google4, CheXpert's convention otherwise, formula injection escaped."""

import csv
import hashlib
import io
import json

import pytest

from annotations.models import Job, LabelSetSnapshot
from annotations.services.exports.snapshot_files import csv_cell
from tests.annotations.reading.conftest import claim, enqueue, labels, make_images, read_item, submit


@pytest.fixture
def snap(eager_celery, django_capture_on_commit_callbacks):
    def create(team, body=None, expect=202) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            r = team.c(team.admin).post(f"/api/v1/datasets/{team.dataset.pk}/label-sets/", body or {})
        assert r.status_code == expect, r.content
        if expect != 202:
            return r.json()
        got = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/{r.json()['number']}/")
        return got.json()

    return create


def download(team, number, fmt="csv", user=None):
    r = team.c(user or team.exporter).get(
        f"/api/v1/datasets/{team.dataset.pk}/label-sets/{number}/download/",
        {"file": fmt},
        HTTP_ACCEPT="text/csv",
    )
    assert r.status_code == 200, getattr(r, "content", b"")
    assert r.streaming, "downloads stream from the stored file"
    return r, b"".join(r.streaming_content)


@pytest.fixture
def google_team(make_team):
    team = make_team("google4", readers_per_item=1)
    hostile = make_images(team.dataset, 1, source_key='=HYPERLINK("http://evil","x")', split="test")
    plain = make_images(team.dataset, 2, split="train")
    hostile[0].study.patient.pseudo_id = "@SUM(A1:A9)"
    hostile[0].study.patient.save()
    images = hostile + plain
    enqueue(team, images)
    values = {
        hostile[0].pk: {"Pneumothorax": "positive"},
        plain[0].pk: {"Fracture": "uncertain"},
        plain[1].pk: {},
    }
    reader = team.readers[0]
    for _ in images:
        task = claim(team, reader)
        image_id = task["item"]["image"]["id"]
        body = {
            "labels": labels(team.dataset, **{k.replace(" ", "_"): v for k, v in values[image_id].items()})
        }
        submit(team, reader, task["read"]["id"], body)
    return team, images


def test_snapshot_is_numbered_checksummed_and_redownloads_byte_identical(google_team, snap):
    team, (hostile, plain0, _plain1) = google_team
    s1 = snap(team)
    assert s1["number"] == 1 and s1["status"] == "ready"
    assert s1["row_count"] == 3 and s1["label_count"] == 12
    assert s1["policy"]["readers_per_item"] == 1 and s1["policy"]["schema"] == "google4"
    assert Job.objects.get(pk=s1["job"]).status == "succeeded"
    r1, csv1 = download(team, 1)
    _r2, csv2 = download(team, 1)
    assert csv1 == csv2
    assert hashlib.sha256(csv1).hexdigest() == s1["csv_sha256"] == r1["X-Content-SHA256"]
    assert r1["Content-Type"].startswith("text/csv")
    _, jsonl = download(team, 1, "jsonl")
    assert hashlib.sha256(jsonl).hexdigest() == s1["jsonl_sha256"]
    rows = list(csv.reader(io.StringIO(csv1.decode())))
    assert rows[0] == [
        "Image Index", "Patient ID", "Follow-up #", "Patient Age", "Patient Gender", "View Position",
        "Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass",
        "image_id", "sop_instance_uid", "study_instance_uid", "how_reached", "reader_count", "split",
    ]  # fmt: skip
    by_id = {int(row[10]): row for row in rows[1:]}
    assert by_id[hostile.pk][11:13] == [hostile.sop_instance_uid, hostile.study.study_instance_uid]
    assert by_id[hostile.pk][:2] == ["'" + hostile.source_key, "'@SUM(A1:A9)"]
    assert by_id[hostile.pk][6:10] == ["NO", "YES", "NO", "NO"]
    assert by_id[plain0.pk][6] == "HEDGE"
    assert by_id[plain0.pk][3:6] == ["50", "F", "PA"]
    assert by_id[hostile.pk][13:] == ["unanimous", "1", "test"]
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    assert len(lines) == 12
    first = next(x for x in lines if x["image_id"] == hostile.pk and x["finding"] == "Pneumothorax")
    assert first["value"] == "positive" and first["version"] == "1" and first["how_reached"] == "unanimous"
    assert first["readers"][0]["reader_id"] == team.readers[0].pk and first["readers"][0]["rounds"] == [0]
    assert first["image_index"] == hostile.source_key  # JSON is data, not a spreadsheet: unescaped


def test_snapshots_are_immutable_and_filters_apply(google_team, snap):
    team, (_hostile, plain0, _plain1) = google_team
    s1 = snap(team)
    _, before = download(team, 1)
    label_id = (
        team.c(team.admin)
        .get(f"/api/v1/datasets/{team.dataset.pk}/final-labels/", {"image": plain0.pk, "finding": "Fracture"})
        .json()["results"][0]["id"]
    )
    r = team.c(team.admin).post(
        f"/api/v1/final-labels/{label_id}/correct/", {"value": "positive", "reason": "seen"}
    )
    assert r.status_code == 201
    _, after = download(team, 1)
    assert after == before and LabelSetSnapshot.objects.get(number=1).csv_sha256 == s1["csv_sha256"]
    s2 = snap(team, {"findings": ["Fracture"], "how_reached": ["correction"]})
    assert s2["number"] == 2 and s2["label_count"] == 1 and s2["row_count"] == 1
    rows = list(csv.reader(io.StringIO(download(team, 2)[1].decode())))
    assert rows[0][6:8] == ["Fracture", "image_id"]  # only the findings asked for
    assert rows[1][6] == "YES" and rows[1][10] == "correction"
    s3 = snap(team, {"splits": ["test"]})
    assert s3["row_count"] == 1 and s3["label_count"] == 4
    s4 = snap(team, {"decided_from": "2000-01-01", "decided_to": "2000-12-31"})
    assert s4["row_count"] == 0 and s4["label_count"] == 0
    listed = team.c(team.exporter).get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/").json()
    assert [x["number"] for x in listed["results"]] == [4, 3, 2, 1]


def test_bad_filters_and_roles(google_team, snap):
    team, _ = google_team
    for body, word in (
        ({"findings": ["Cardiomegaly"]}, "findings"),
        ({"how_reached": ["guessed"]}, "how_reached"),
        ({"decided_from": "2030-01-02", "decided_to": "2030-01-01"}, "after"),
        ({"decided_from": "yesterday"}, "decided_from"),
    ):
        error = snap(team, body, expect=400)["error"]
        assert word in error["message"] or word in (error["detail"] or {}), (body, error)
    assert LabelSetSnapshot.objects.count() == 0
    assert team.c(team.readers[0]).get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/").status_code == 403
    r = team.c(team.exporter).get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/7/download/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    snap(team)
    r = team.c(team.exporter).get(
        f"/api/v1/datasets/{team.dataset.pk}/label-sets/1/download/", {"file": "xlsx"}
    )
    assert r.status_code == 400


def test_other_schemas_use_the_chexpert_convention_and_numbers_are_not_escaped(make_team, snap):
    team = make_team("chestxray14", readers_per_item=1)
    images = make_images(team.dataset, 1)
    enqueue(team, images)
    read_item(team, team.readers[0], {"labels": labels(team.dataset, Effusion="uncertain", Mass="positive")})
    s = snap(team)
    rows = list(csv.reader(io.StringIO(download(team, s["number"])[1].decode())))
    header, row = rows[0], rows[1]
    assert header[:5] == ["image_id", "Image Index", "Patient ID", "sop_instance_uid", "study_instance_uid"]
    assert header[-3:] == ["how_reached", "reader_count", "split"]
    cell = dict(zip(header, row, strict=True))
    assert cell["Effusion"] == "-1" and cell["Mass"] == "1" and cell["Hernia"] == "0"
    assert cell["No Finding"] == "0"


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1", "-1"),
        ("0.5", "0.5"),
        ("00000001_000.png", "00000001_000.png"),
        (None, ""),
        (3, "3"),
    ],
)
def test_csv_cells_are_escaped_against_formula_injection(raw, cell):
    assert csv_cell(raw) == cell


@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_in_its_own_transaction(make_team, eager_celery):
    """As on a real worker (no caller's transaction): on PostgreSQL the build is one REPEATABLE READ
    transaction, so its two files are one consistent cut of the labels."""
    from annotations.services.exports.snapshots import snapshot_build, snapshot_create

    team = make_team("google4", readers_per_item=1)
    enqueue(team, make_images(team.dataset, 2))
    for _ in range(2):
        read_item(team, team.readers[0], {"labels": labels(team.dataset)})
    snapshot = snapshot_create(dataset=team.dataset, actor=team.admin)  # committed: its task ran eagerly
    built = snapshot_build(snapshot.pk)
    assert built.status == "ready" and built.label_count == 8 and built.row_count == 2
    assert snapshot_build(snapshot.pk).csv_sha256 == built.csv_sha256  # idempotent


def test_chunked_writing_gives_the_same_bytes_whatever_the_chunk(google_team, tmp_path):
    from annotations.models import Image
    from annotations.selectors.final_labels import published_final_labels
    from annotations.services.exports.snapshot_files import label_chunks, label_columns, write_label_set

    team, _ = google_team
    findings = ["Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass"]
    labels = published_final_labels(team.dataset)
    columns = label_columns(labels, schema_key="google4", findings=findings)
    assert columns == [("google4", f) for f in findings]
    out = {}
    for chunk in (1, 2, 1000):
        written = write_label_set(
            label_chunks(labels, Image.objects.filter(dataset=team.dataset), chunk),
            schema_key="google4",
            columns=columns,
            csv_path=tmp_path / f"{chunk}.csv",
            jsonl_path=tmp_path / f"{chunk}.jsonl",
        )
        out[chunk] = (
            written,
            (tmp_path / f"{chunk}.csv").read_bytes(),
            (tmp_path / f"{chunk}.jsonl").read_bytes(),
        )
    assert out[1] == out[2] == out[1000]
    assert out[1][0].row_count == 3 and out[1][0].label_count == 12
    for line in out[1][2].decode().splitlines():
        record = json.loads(line)
        assert set(record) >= {
            "image_index",
            "patient_id",
            "label_id",
            "schema",
            "finding",
            "sop_instance_uid",
            "study_instance_uid",
            "value",
            "readers",
            "decided_at",
        }


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_export_of_a_written_snapshot_ends_its_job_through_the_claim(make_team, eager_celery):
    """The export task's job ends through its claimed run (the job lifecycle), also when the files
    were already written: a redelivery after the publish but before the job's end (a worker killed
    in between) finds the snapshot ready and succeeds the job with its counts, never leaving it
    running."""
    from annotations.models import Job
    from annotations.services.exports.snapshots import snapshot_create
    from annotations.tasks.exports import build_snapshot

    team = make_team("google4", readers_per_item=1)
    enqueue(team, make_images(team.dataset, 2))
    for _ in range(2):
        read_item(team, team.readers[0], {"labels": labels(team.dataset)})
    snapshot = snapshot_create(dataset=team.dataset, actor=team.admin)  # committed: its task ran eagerly
    snapshot.refresh_from_db()
    job = Job.objects.get(pk=snapshot.job_id)
    assert (snapshot.status, job.status, job.summary) == ("ready", "succeeded", {"created": 8, "rows": 2})

    Job.objects.filter(pk=job.pk).update(status="queued", summary={}, finished_at=None)  # the lost end
    result = build_snapshot.apply(args=[snapshot.pk]).get()
    job.refresh_from_db()
    assert result == {"snapshot": snapshot.pk, "created": 8, "rows": 2}
    assert job.status == "succeeded" and job.summary == {"created": 8, "rows": 2} and job.claim
