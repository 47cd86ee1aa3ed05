"""Writing a label set to CSV (one row per image) and JSON Lines (one line per label, with provenance).

Rows stream from the database in chunks (QuerySet.iterator) straight into the files: memory stays
constant whatever the size. Output is deterministic (fixed ordering, sorted JSON keys, ISO times), so
the same labels always give the same bytes.

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

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

ROW_FIELDS = (
    "pk",
    "image_id",
    "image__source_key",
    "image__view_position",
    "image__study__study_instance_uid",
    "image__study__patient_age_years",
    "image__study__patient__pseudo_id",
    "image__study__patient__age_years",
    "image__study__patient__sex",
    "image__study__patient__split",
    "finding__key",
    "value",
    "source_version",
    "provenance__how_reached",
    "provenance__rounds",
    "provenance__readers",
    "provenance__decided_by_id",
    "provenance__decided_at",
    "provenance__first_read_at",
    "provenance__supersedes_id",
    "provenance__reason",
)


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


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


def _rows(labels: QuerySet, chunk_size: int) -> Iterator[dict]:
    ordered = labels.order_by("image_id", "finding__order", "finding_id").values_list(*ROW_FIELDS)
    for values in ordered.iterator(chunk_size=chunk_size):
        yield dict(zip(ROW_FIELDS, values, strict=True))


def write_label_set(
    labels: QuerySet,
    *,
    schema_key: str,
    findings: list[str],
    csv_path: Path,
    jsonl_path: Path,
    chunk_size: int = 5000,
) -> WrittenFiles:
    """Write `labels` (adjudicated Label rows) to the two files and return their checksums and counts."""
    google = schema_key == "google4"
    cells = GOOGLE4_VALUES if google else CHEXPERT_VALUES
    header = (
        [*GOOGLE4_PREFIX, *findings, "image_id", "study_instance_uid", *TAIL]
        if google
        else ["image_id", "Image Index", "Patient ID", "study_instance_uid", *findings, *TAIL]
    )
    rows = labels_count = 0
    with csv_path.open("w", newline="", encoding="utf-8") as cf, jsonl_path.open("w", encoding="utf-8") as jf:
        writer = csv.writer(cf, lineterminator="\r\n")
        writer.writerow(header)
        current: list[dict] = []

        def flush() -> None:
            nonlocal rows
            if not current:
                return
            first = current[0]
            values = {r["finding__key"]: cells.get(r["value"], "") for r in current}
            readers = max(len(r["provenance__readers"] or []) for r in current)
            tail = [
                most_contested(r["provenance__how_reached"] for r in current),
                readers,
                first["image__study__patient__split"],
            ]
            if google:
                age = first["image__study__patient_age_years"]
                if age is None:
                    age = first["image__study__patient__age_years"]
                prefix = [
                    first["image__source_key"],
                    first["image__study__patient__pseudo_id"],
                    "",
                    _age(age),
                    first["image__study__patient__sex"],
                    first["image__view_position"],
                ]
                row = [
                    *prefix,
                    *(values.get(f, "") for f in findings),
                    first["image_id"],
                    first["image__study__study_instance_uid"],
                    *tail,
                ]
            else:
                row = [
                    first["image_id"],
                    first["image__source_key"],
                    first["image__study__patient__pseudo_id"],
                    first["image__study__study_instance_uid"],
                    *(values.get(f, "") for f in findings),
                    *tail,
                ]
            writer.writerow([csv_cell(c) for c in row])
            rows += 1
            current.clear()

        for r in _rows(labels, chunk_size):
            if current and r["image_id"] != current[0]["image_id"]:
                flush()
            current.append(r)
            labels_count += 1
            jf.write(
                json.dumps(
                    {
                        "label_id": r["pk"],
                        "image_id": r["image_id"],
                        "image_index": r["image__source_key"],
                        "patient_id": r["image__study__patient__pseudo_id"],
                        "study_instance_uid": r["image__study__study_instance_uid"],
                        "split": r["image__study__patient__split"],
                        "finding": r["finding__key"],
                        "value": r["value"],
                        "version": r["source_version"],
                        "how_reached": r["provenance__how_reached"],
                        "rounds": r["provenance__rounds"],
                        "readers": r["provenance__readers"] or [],
                        "decided_by": r["provenance__decided_by_id"],
                        "decided_at": _iso(r["provenance__decided_at"]),
                        "first_read_at": _iso(r["provenance__first_read_at"]),
                        "supersedes_label_id": r["provenance__supersedes_id"],
                        "reason": r["provenance__reason"],
                    },
                    sort_keys=True,
                    separators=(",", ":"),
                    ensure_ascii=False,
                )
            )
            jf.write("\n")
        flush()
    return WrittenFiles(
        csv_sha256=sha256_file(csv_path),
        jsonl_sha256=sha256_file(jsonl_path),
        row_count=rows,
        label_count=labels_count,
    )
