"""Every label of a snapshot appears in every format (CSV and JSON Lines), for every label schema of
the registry as the dataset's reading schema, with final labels of every other schema on the same
images (imported expert labels such as Google's four findings on a ChestX-ray14 dataset), and DICOM
images told apart by their SOP and study instance UIDs, not by a file name they all share."""

import csv
import hashlib
import io
import itertools
import json

import pytest

from annotations.models import Image, LabelSchema
from annotations.models.choices import LabelValue
from annotations.selectors.final_labels import published_final_labels
from annotations.services.datasets.schemas import schemas_ensure_all
from annotations.services.exports.snapshot_files import Column, label_chunks, write_label_set
from annotations.services.labels import expert_labels_import
from layouts.label_schemas import SCHEMAS
from tests.annotations.reading.conftest import make_images

VALUES = (LabelValue.POSITIVE, LabelValue.NEGATIVE, LabelValue.UNCERTAIN, LabelValue.BLANK)
GOOGLE_CELLS = {"positive": "YES", "negative": "NO", "uncertain": "HEDGE", "blank": "blank"}
CHEXPERT_CELLS = {"positive": "1", "negative": "0", "uncertain": "-1", "blank": "blank"}


@pytest.fixture
def build(eager_celery, django_capture_on_commit_callbacks):
    """Create a snapshot over the API (admin) and download both files (export role)."""

    def run(team, body: dict | None = None) -> tuple[dict, bytes, bytes]:
        base = f"/api/v1/datasets/{team.dataset.pk}/label-sets/"
        with django_capture_on_commit_callbacks(execute=True):
            r = team.c(team.admin).post(base, body or {})
        assert r.status_code == 202, r.content
        snap = team.c(team.admin).get(f"{base}{r.json()['number']}/").json()
        assert snap["status"] == "ready", snap
        files = []
        for fmt, digest in (("csv", snap["csv_sha256"]), ("jsonl", snap["jsonl_sha256"])):
            got = team.c(team.exporter).get(f"{base}{snap['number']}/download/", {"file": fmt})
            assert got.status_code == 200 and got.streaming, "downloads stream from the stored file"
            data = b"".join(got.streaming_content)
            assert hashlib.sha256(data).hexdigest() == digest == got["X-Content-SHA256"]
            files.append(data)
        return snap, files[0], files[1]

    return run


def _label_every_schema(images: list[Image]) -> None:
    """Final labels of every schema of the registry on every image, cycling through every value."""
    cycle = itertools.cycle(VALUES)
    for schema in LabelSchema.objects.filter(key__in=SCHEMAS).order_by("key"):
        keys = list(schema.findings.order_by("order").values_list("key", flat=True))
        for image in images:
            values = {k: next(cycle) for k in keys}
            assert expert_labels_import(image=image, schema=schema, values=values, reason="test") == len(keys)


def _truth(dataset, **filters) -> dict[tuple[int, str, str], str]:
    return {
        (image_id, schema, finding): value
        for image_id, schema, finding, value in published_final_labels(dataset, **filters).values_list(
            "image_id", "finding__schema__key", "finding__key", "value"
        )
    }


def _jsonl_labels(data: bytes, images: dict[int, Image]) -> dict[tuple[int, str, str], str]:
    out = {}
    for line in data.decode().splitlines():
        record = json.loads(line)
        image = images[record["image_id"]]
        assert record["sop_instance_uid"] == image.sop_instance_uid
        assert record["study_instance_uid"] == image.study.study_instance_uid
        key = (record["image_id"], record["schema"], record["finding"])
        assert key not in out, f"{key} twice in the JSON Lines file"
        out[key] = record["value"]
    return out


def _csv_cells(data: bytes, own: str, images: dict[int, Image]) -> tuple[list[str], dict]:
    """The CSV's non-empty finding cells by (image id, schema, finding), checking each row's ids."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    header = rows[0]
    ids = header.index("image_id"), header.index("sop_instance_uid"), header.index("study_instance_uid")
    schemas = LabelSchema.objects.in_bulk(field_name="key")
    own_keys = set(schemas[own].findings.values_list("key", flat=True))
    columns: dict[int, tuple[str, str]] = {}
    for i, name in enumerate(header):
        schema, _, finding = name.rpartition(":")
        if schema in schemas and schemas[schema].findings.filter(key=finding).exists():
            columns[i] = (schema, finding)
        elif name in own_keys:
            columns[i] = (own, name)
    out = {}
    for row in rows[1:]:
        image = images[int(row[ids[0]])]
        assert row[ids[1]] == image.sop_instance_uid and row[ids[2]] == image.study.study_instance_uid
        for i, (schema, finding) in columns.items():
            if row[i] != "":
                out[(image.pk, schema, finding)] = row[i]
    return header, out


@pytest.mark.parametrize("schema_key", sorted(SCHEMAS))
def test_every_label_is_in_every_format_whatever_the_reading_schema(schema_key, make_team, build):
    schemas_ensure_all()
    team = make_team(schema_key, readers_per_item=1)
    # DICOM films as they arrive from a modality: every file is IM0001.dcm, only the UIDs differ.
    films = make_images(team.dataset, 3, source_key="IM0001.dcm", split="test")
    _label_every_schema(films)
    images = {i.pk: i for i in Image.objects.filter(dataset=team.dataset).select_related("study")}
    truth = _truth(team.dataset)
    assert {s for _, s, _ in truth} == set(SCHEMAS), "labels of every schema on this one dataset"

    snap, csv_data, jsonl_data = build(team)
    assert snap["label_count"] == len(truth) and snap["row_count"] == len(films)
    assert _jsonl_labels(jsonl_data, images) == truth
    header, cells = _csv_cells(csv_data, schema_key, images)
    convention = GOOGLE_CELLS if schema_key == "google4" else CHEXPERT_CELLS
    assert cells == {key: convention[value] for key, value in truth.items()}
    own = list(team.dataset.schema.findings.order_by("order").values_list("key", flat=True))
    assert [h for h in header if h in own] == own, "the reading schema's findings under their own names"
    assert len(set(header)) == len(header)


def test_finding_filters_name_other_schemas_qualified_and_never_mix_same_named_findings(make_team, build):
    """On ChestX-ray14 with Google's labels, 'Pneumothorax' is the dataset's own finding and
    'google4:Pneumothorax' Google's: a filter on one never exports the other under its name."""
    schemas_ensure_all()
    team = make_team("chestxray14", readers_per_item=1)
    films = make_images(team.dataset, 2)
    _label_every_schema(films)
    images = {i.pk: i for i in Image.objects.filter(dataset=team.dataset).select_related("study")}
    snap, csv_data, jsonl_data = build(team, {"findings": ["Pneumothorax", "google4:Nodule or mass"]})
    truth = {
        k: v
        for k, v in _truth(team.dataset).items()
        if k[1:] in {("chestxray14", "Pneumothorax"), ("google4", "Nodule or mass")}
    }
    assert len(truth) == 4 and snap["label_count"] == 4
    assert _jsonl_labels(jsonl_data, images) == truth
    header, cells = _csv_cells(csv_data, "chestxray14", images)
    assert header[5:7] == ["Pneumothorax", "google4:Nodule or mass"]
    assert cells == {key: CHEXPERT_CELLS[value] for key, value in truth.items()}
    r = team.c(team.admin).post(
        f"/api/v1/datasets/{team.dataset.pk}/label-sets/", {"findings": ["google4:Cardiomegaly"]}
    )
    assert r.status_code == 400 and r.json()["error"]["detail"]["findings"] == ["google4:Cardiomegaly"]


def test_a_label_without_its_column_fails_the_build_instead_of_vanishing(make_team, tmp_path):
    schemas_ensure_all()
    team = make_team("chestxray14", readers_per_item=1)
    _label_every_schema(make_images(team.dataset, 1))
    columns: list[Column] = [("chestxray14", "Atelectasis")]
    with pytest.raises(RuntimeError, match="has no CSV column"):
        write_label_set(
            label_chunks(published_final_labels(team.dataset), Image.objects.filter(dataset=team.dataset)),
            schema_key="chestxray14",
            columns=columns,
            csv_path=tmp_path / "x.csv",
            jsonl_path=tmp_path / "x.jsonl",
        )


@pytest.mark.django_db(transaction=True)
def test_the_worker_build_reading_ahead_in_chunks_keeps_every_label_too(make_team, settings):
    """As on a worker (no caller's transaction): on PostgreSQL the chunks are read ahead by other
    connections in the same snapshot; one image per chunk makes every image its own chunk."""
    from annotations.models import LabelSetSnapshot
    from annotations.services.exports.snapshots import _policy, snapshot_build

    schemas_ensure_all()
    team = make_team("chestxray14", readers_per_item=1)
    _label_every_schema(make_images(team.dataset, 3, source_key="IM0001.dcm"))
    images = {i.pk: i for i in Image.objects.filter(dataset=team.dataset).select_related("study")}
    snapshot = LabelSetSnapshot.objects.create(
        dataset=team.dataset, number=1, filters={}, policy=_policy(team.dataset)
    )
    built = snapshot_build(snapshot.pk, chunk_images=1)
    truth = _truth(team.dataset)
    assert built.status == "ready" and built.label_count == len(truth) and built.row_count == 3
    jsonl = (settings.ARBITER_EXPORT_DIR / built.jsonl_path).read_bytes()
    assert _jsonl_labels(jsonl, images) == truth
    _, cells = _csv_cells((settings.ARBITER_EXPORT_DIR / built.csv_path).read_bytes(), "chestxray14", images)
    assert cells == {key: CHEXPERT_CELLS[value] for key, value in truth.items()}
