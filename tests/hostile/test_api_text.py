"""Hostile text through the API: HTML/JS in report text and comments comes back as JSON strings,
verbatim, never as HTML; spreadsheet formulas in exported cells are neutralised; oversize uploads
get 413 with a JSON error and store nothing."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import Job, Report
from tests.annotations.reading.conftest import claim, enqueue, labels, make_images, read_item, submit

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(1)">'


def _is_json(r) -> dict:
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    return json.loads(r.content)


def test_html_in_reports_and_comments_is_returned_as_plain_json_text(make_team):
    team = make_team("chestxray14", readers=2, readers_per_item=2)
    image = make_images(team.dataset, 1)[0]
    Report.objects.create(study=image.study, text=f"FINDINGS: {SCRIPT}", text_sha256="x" * 64, sections={})
    enqueue(team, [image])
    reader = team.readers[0]
    task = claim(team, reader)
    assert task["item"]["report"]["text"] == f"FINDINGS: {SCRIPT}"  # verbatim, not escaped or stripped
    body = {"labels": labels(team.dataset, comments={"Effusion": SCRIPT}), "comment": SCRIPT}
    submit(team, reader, task["read"]["id"], body)
    r = team.c(reader).get(f"/api/v1/reads/{task['read']['id']}/")
    data = _is_json(r)
    assert data["comment"] == SCRIPT
    assert SCRIPT in {lb.get("comment") for lb in data["labels"]}
    # The raw bytes are JSON-escaped text: no endpoint hands the browser live markup.
    assert b"<script>" in r.content and r["Content-Type"] != "text/html"
    # The other reader, in adjudication, sees the comment as data too (anonymised).
    other = {
        "labels": labels(team.dataset, Effusion="positive", comments={"Effusion": SCRIPT}),
        "comment": SCRIPT,
    }
    read_item(team, team.readers[1], other)
    task2 = _is_json(team.c(reader).post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/"))
    assert task2["task"] == "adjudication" and SCRIPT in _strings(task2)


def _strings(obj) -> set[str]:
    if isinstance(obj, dict):
        return set().union(*(_strings(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_strings(v) for v in obj)) if obj else set()
    return {obj} if isinstance(obj, str) else set()


def test_formulas_in_exported_cells_are_neutralised(
    make_team, eager_celery, django_capture_on_commit_callbacks
):
    team = make_team("chestxray14", readers=1, readers_per_item=1)
    payloads = ['=HYPERLINK("http://evil")', "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"]
    images = [make_images(team.dataset, 1, source_key=p)[0] for p in payloads]
    images[0].study.patient.pseudo_id = "=1+1"
    images[0].study.patient.save()
    enqueue(team, images)
    for _ in images:
        read_item(team, team.readers[0], {"labels": labels(team.dataset)})
    with django_capture_on_commit_callbacks(execute=True):
        r = team.c(team.admin).post(f"/api/v1/datasets/{team.dataset.pk}/label-sets/", {})
    assert r.status_code == 202, r.content
    r = team.c(team.exporter).get(
        f"/api/v1/datasets/{team.dataset.pk}/label-sets/1/download/", {"file": "csv"}, HTTP_ACCEPT="text/csv"
    )
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))]
    for p in payloads:
        assert "'" + p in cells
    assert "'=1+1" in cells


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_oversize_upload_is_413_json_and_stores_nothing(make_team, settings):
    team = make_team("chestxray14", readers=1)
    settings.ARBITER_MAX_UPLOAD_BYTES = 1000
    r = team.c(team.admin).post(
        f"/api/v1/datasets/{team.dataset.pk}/imports/",
        {"importer": "dicom", "file": SimpleUploadedFile("big.dcm", b"\0" * 5000)},
        format="multipart",
    )
    assert r.status_code == 413
    error = _is_json(r)["error"]
    assert error["code"] == "too_large" and "1000" in error["message"]
    assert not Job.objects.filter(dataset=team.dataset).exists()
