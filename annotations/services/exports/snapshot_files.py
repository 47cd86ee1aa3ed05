"""Writing a label set to CSV (one row per image) and JSON Lines (one line per label, with provenance).

Rows come from the database a few hundred images at a time straight into the files: memory stays
constant whatever the size. The database renders each label's part of its JSON Lines record and
Python prefixes the image's part once per image. Output is deterministic (fixed ordering, the
database's canonical JSON), so the same labels always give the same bytes.

CSV layout: for the google4 schema, the columns of Google's NIH four-findings expert-label CSVs
(Image Index, Patient ID, Follow-up #, Patient Age, Patient Gender, View Position, the four findings
as YES / NO; an uncertain final label is HEDGE, the word of Google's individual-reader file), then
Arbiter's columns. Other schemas: image id, Image Index, Patient ID, SOP and study instance UIDs, one
column per finding in the CheXpert convention (1 / 0 / -1 uncertain / empty = no final label), then
how reached, reader count and split. Every cell starting with = + - @ tab or CR is prefixed with a
single quote against formula injection, except plain numbers (the -1 of the CheXpert convention).

Every label of the snapshot has its cell: the dataset's own findings come first under their plain
names, then one column "<schema>:<finding>" per finding of any other schema that has labels in the
snapshot (Google's expert labels imported onto a ChestX-ray14 dataset, for instance), in the same
value convention. A final label whose value is "blank" (not mentioned, possible for imported labels)
is written as the word `blank`, never as an empty cell. Images are identified by Arbiter's image id,
the source file name (Image Index), and their SOP and study instance UIDs.
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
from annotations.services.adjudication.final_labels import most_contested
from layouts import chestxray14 as nih
from layouts import google_expert as expert

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
GOOGLE4_PREFIX = expert.FOUR_LABELS_SHORT_COLUMNS
GOOGLE4_VALUES = {
    LabelValue.POSITIVE: expert.YES,
    LabelValue.NEGATIVE: expert.NO,
    LabelValue.UNCERTAIN: expert.HEDGE,  # the word of Google's individual-reader files
}
CHEXPERT_VALUES = {LabelValue.POSITIVE: "1", LabelValue.NEGATIVE: "0", LabelValue.UNCERTAIN: "-1"}
BLANK_CELL = "blank"  # a final label saying "not mentioned": present, so never an empty cell
TAIL = ("how_reached", "reader_count", "split")
IDS = ("image_id", "sop_instance_uid", "study_instance_uid")

IMAGE_FIELDS = (
    "pk",
    "source_key",
    "sop_instance_uid",
    "view_position",
    "study__study_instance_uid",
    "study__patient_age_years",
    "study__patient__pseudo_id",
    "study__patient__age_years",
    "study__patient__sex",
    "study__patient__split",
)
LABEL_FIELDS = (
    "image_id",
    "finding__schema__key",
    "finding__key",
    "value",
    "provenance__how_reached",
    "reader_count",
    "line",
)
Column = tuple[str, str]  # (schema key, finding key): one CSV column, one finding of one schema


@dataclass(frozen=True)
class ImageRow:
    id: int
    source_key: str
    sop_uid: str | None
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
            "sop_instance_uid": self.sop_uid,
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
        schema=F("finding__schema__key"),
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


def label_columns(labels: QuerySet, *, schema_key: str, findings: list[str]) -> list[Column]:
    """The CSV's finding columns: the dataset schema's `findings` (always, in the given order), then
    every other (schema, finding) that has a label among `labels`, by schema key and finding order.
    One DISTINCT query over the labels, in the caller's transaction (so in the snapshot's cut)."""
    own = [(schema_key, f) for f in findings]
    present = (
        labels.order_by().values_list("finding__schema__key", "finding__order", "finding__key").distinct()
    )
    seen = set(own)
    return own + [(s, k) for s, _, k in sorted(present) if (s, k) not in seen]


def column_header(column: Column, schema_key: str) -> str:
    schema, finding = column
    return finding if schema == schema_key else f"{schema}:{finding}"


def write_label_set(
    chunks: Iterable[Chunk], *, schema_key: str, columns: list[Column], csv_path: Path, jsonl_path: Path
) -> WrittenFiles:
    """Write the label chunks (from label_chunks) to the two files; returns their checksums and counts.
    `columns` (from label_columns) must hold every label's (schema, finding): a label without its
    column fails the build rather than leaving the CSV with fewer labels than the JSON Lines file."""
    google = schema_key == "google4"
    cells = {**(GOOGLE4_VALUES if google else CHEXPERT_VALUES), LabelValue.BLANK: BLANK_CELL}
    names = [column_header(c, schema_key) for c in columns]
    header = (
        [*GOOGLE4_PREFIX, *names, *IDS, *TAIL]
        if google
        else ["image_id", nih.IMAGE_INDEX, nih.PATIENT_ID, *IDS[1:], *names, *TAIL]
    )
    known = set(columns)
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
                jf.writelines(prefix + r[6][1:] + "\n" for r in group)
                row = _csv_row(image, _cells(group, cells, known), group, google, columns)
                writer.writerow([csv_cell(c) for c in row])
                n_labels += len(group)
                n_rows += 1
    return WrittenFiles(
        csv_sha256=sha256_file(csv_path),
        jsonl_sha256=sha256_file(jsonl_path),
        row_count=n_rows,
        label_count=n_labels,
    )


def _cells(group: list[tuple], cells: dict, known: set[Column]) -> dict[Column, str]:
    out: dict[Column, str] = {}
    for r in group:
        column = (r[1], r[2])
        if column not in known:
            raise RuntimeError(f"a label of {column[0]}:{column[1]} has no CSV column")
        if r[3] not in cells:
            raise RuntimeError(f"label value {r[3]!r} has no CSV cell")
        out[column] = cells[r[3]]
    return out


def _csv_row(
    image: ImageRow, values: dict[Column, str], group: list[tuple], google: bool, columns: list[Column]
) -> list:
    tail = [most_contested(r[4] for r in group), max(r[5] or 0 for r in group), image.split]
    found = [values.get(c, "") for c in columns]
    if google:
        age = image.study_age if image.study_age is not None else image.patient_age
        prefix = [image.source_key, image.patient, "", _age(age), image.sex, image.view_position]
        return [*prefix, *found, image.id, image.sop_uid, image.study_uid, *tail]
    return [image.id, image.source_key, image.patient, image.sop_uid, image.study_uid, *found, *tail]
