"""Writing a label set to CSV (one row per image) and JSON Lines (one line per label, with provenance).

Rows come from the database a few hundred images at a time straight into the files: memory stays
constant whatever the size. The database renders each label's part of its JSON Lines record and
Python prefixes the image's part once per image. Output is deterministic (fixed ordering, the
database's canonical JSON), so the same labels always give the same bytes.

CSV layout: for the google4 schema, the columns of Google's NIH four-findings expert-label CSVs
(Image Index, Patient ID, Follow-up #, Patient Age, Patient Gender, View Position, the four findings
as YES / NO; an uncertain final label is HEDGE, the word of Google's individual-reader file), then
Arbiter's columns. Other schemas: image id, Image Index, Patient ID, study UID, one column per
finding in the CheXpert convention (1 / 0 / -1 uncertain / blank = no final label), then how reached,
reader count and split. Every cell starting with = + - @ tab or CR is prefixed with a single quote
against formula injection, except plain numbers (the -1 of the CheXpert convention).
"""

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from django.db.models import F, Func, IntegerField, JSONField, QuerySet, TextField, Value
from django.db.models.functions import Cast

from annotations.models.choices import LabelValue
from annotations.services.final_labels import most_contested

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
GOOGLE4_PREFIX = (
    "Image Index",
    "Patient ID",
    "Follow-up #",
    "Patient Age",
    "Patient Gender",
    "View Position",
)
GOOGLE4_VALUES = {LabelValue.POSITIVE: "YES", LabelValue.NEGATIVE: "NO", LabelValue.UNCERTAIN: "HEDGE"}
CHEXPERT_VALUES = {LabelValue.POSITIVE: "1", LabelValue.NEGATIVE: "0", LabelValue.UNCERTAIN: "-1"}
TAIL = ("how_reached", "reader_count", "split")

IMAGE_FIELDS = (
    "pk",
    "source_key",
    "view_position",
    "study__study_instance_uid",
    "study__patient_age_years",
    "study__patient__pseudo_id",
    "study__patient__age_years",
    "study__patient__sex",
    "study__patient__split",
)
LABEL_FIELDS = ("image_id", "finding__key", "value", "provenance__how_reached", "reader_count", "line")


@dataclass(frozen=True)
class ImageRow:
    id: int
    source_key: str
    view_position: str
    study_uid: str
    study_age: float | None
    patient: str
    patient_age: float | None
    sex: str
    split: str

    def json_prefix(self) -> str:
        """The image's part of each of its labels' JSON Lines records: '{"image_index": ..., '."""
        fields = {
            "image_index": self.source_key,
            "patient_id": self.patient,
            "split": self.split,
            "study_instance_uid": self.study_uid,
        }
        return json.dumps(fields, ensure_ascii=False, separators=(", ", ": "))[:-1] + ", "


class JSONValue(Func):
    """A JSON column as JSON (not as a string) inside a JSON object the database builds."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra)


class JSONArrayLength(Func):
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSON_ARRAY_LENGTH", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra)


class JSONText(Func):
    """A JSON object built by the database from key / value pairs, as text, keys in the given order:
    PostgreSQL's json_build_object (rendered in one pass, cheaper than jsonb), SQLite's json_object."""

    output_field = TextField()

    def __init__(self, **fields) -> None:
        pairs = []
        for key, value in fields.items():
            pairs.extend((Cast(Value(key), TextField()), value))
        super().__init__(*pairs)

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSON_OBJECT", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "(%(function)s(%(expressions)s))::text"
        return super().as_sql(compiler, connection, function="JSON_BUILD_OBJECT", template=template, **extra)


def _label_json() -> JSONText:
    """A label's own part of its JSON Lines record, rendered by the database, so a million labels
    never pass through Python's JSON encoder."""
    return JSONText(
        label_id=F("pk"),
        image_id=F("image_id"),
        finding=F("finding__key"),
        value=F("value"),
        version=F("source_version"),
        how_reached=F("provenance__how_reached"),
        rounds=F("provenance__rounds"),
        readers=JSONValue("provenance__readers"),
        decided_by=F("provenance__decided_by_id"),
        decided_at=F("provenance__decided_at"),
        first_read_at=F("provenance__first_read_at"),
        supersedes_label_id=F("provenance__supersedes_id"),
        reason=F("provenance__reason"),
    )


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _age(years: float | None) -> str:
    return "" if years is None else str(int(years))


@dataclass(frozen=True)
class WrittenFiles:
    csv_sha256: str
    jsonl_sha256: str
    row_count: int
    label_count: int


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


Chunk = tuple[list[ImageRow], list[tuple]]


def chunk_bounds(images: QuerySet, chunk_images: int) -> list[tuple[int, int]]:
    """(first, last) image ids of consecutive chunks of `chunk_images` images, in id order; only the
    bounds are kept while the ids stream past."""
    bounds: list[tuple[int, int]] = []
    first = last = None
    for n, pk in enumerate(images.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10_000)):
        if n % chunk_images == 0:
            if first is not None:
                bounds.append((first, last))
            first = pk
        last = pk
    if first is not None:
        bounds.append((first, last))
    return bounds


def label_chunk(labels: QuerySet, images: QuerySet, first: int, last: int) -> Chunk:
    """The images with ids in [first, last] and their labels' rows, in order."""
    chunk = [
        ImageRow(*r)
        for r in images.filter(pk__gte=first, pk__lte=last).order_by("pk").values_list(*IMAGE_FIELDS)
    ]
    rows = (
        labels.filter(image_id__gte=first, image_id__lte=last)
        .annotate(line=_label_json(), reader_count=JSONArrayLength("provenance__readers"))
        .order_by("image_id", "finding__order", "finding_id")
        .values_list(*LABEL_FIELDS)
    )
    return chunk, list(rows)


def label_chunks(labels: QuerySet, images: QuerySet, chunk_images: int = 2000) -> Iterator[Chunk]:
    """Every chunk in order, one query pair at a time: memory holds one chunk whatever the size."""
    for first, last in chunk_bounds(images, chunk_images):
        yield label_chunk(labels, images, first, last)


def write_label_set(
    chunks: Iterable[Chunk], *, schema_key: str, findings: list[str], csv_path: Path, jsonl_path: Path
) -> WrittenFiles:
    """Write the label chunks (from label_chunks) to the two files; returns their checksums and counts."""
    google = schema_key == "google4"
    cells = GOOGLE4_VALUES if google else CHEXPERT_VALUES
    header = (
        [*GOOGLE4_PREFIX, *findings, "image_id", "study_instance_uid", *TAIL]
        if google
        else ["image_id", "Image Index", "Patient ID", "study_instance_uid", *findings, *TAIL]
    )
    n_rows = n_labels = 0
    with csv_path.open("w", newline="", encoding="utf-8") as cf, jsonl_path.open("w", encoding="utf-8") as jf:
        writer = csv.writer(cf, lineterminator="\r\n")
        writer.writerow(header)
        for chunk, rows in chunks:
            by_id = {image.id: image for image in chunk}
            for image_id, group in groupby(rows, key=itemgetter(0)):
                group = list(group)
                image = by_id[image_id]
                prefix = image.json_prefix()
                jf.writelines(prefix + r[5][1:] + "\n" for r in group)
                writer.writerow([csv_cell(c) for c in _csv_row(image, group, google, cells, findings)])
                n_labels += len(group)
                n_rows += 1
    return WrittenFiles(
        csv_sha256=sha256_file(csv_path),
        jsonl_sha256=sha256_file(jsonl_path),
        row_count=n_rows,
        label_count=n_labels,
    )


def _csv_row(image: ImageRow, group: list[tuple], google: bool, cells: dict, findings: list[str]) -> list:
    values = {r[1]: cells.get(r[2], "") for r in group}
    tail = [most_contested(r[3] for r in group), max(r[4] or 0 for r in group), image.split]
    if google:
        age = image.study_age if image.study_age is not None else image.patient_age
        prefix = [image.source_key, image.patient, "", _age(age), image.sex, image.view_position]
        return [*prefix, *(values.get(f, "") for f in findings), image.id, image.study_uid, *tail]
    return [
        image.id,
        image.source_key,
        image.patient,
        image.study_uid,
        *(values.get(f, "") for f in findings),
        *tail,
    ]
