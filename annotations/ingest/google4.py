"""Google's expert labels for NIH ChestX-ray14 (Majkowska et al., Radiology 2019): four findings,
adjudicated by three radiologists. The test/validation label CSVs become adjudicated labels (version 1,
provenance "imported"); the individual-readers CSV becomes per-reader labels. Images are matched by
ChestX-ray14 Image Index in the dataset the ChestX-ray14 images were imported into."""

from pathlib import Path

from annotations.ingest.csvfiles import CsvLayoutError, open_csv
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.models import Dataset, Image
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.labels import LabelInput, expert_labels_import, findings_by_key, labels_put
from annotations.services.schemas import schema_ensure
from mlworker.ml.label_schemas import GOOGLE4_FINDINGS

ADJUDICATED_FILES = {
    "four_findings_expert_labels_test_labels.csv": "test",
    "four_findings_expert_labels_validation_labels.csv": "validation",
}
READERS_FILE = "four_findings_expert_labels_individual_readers.csv"
IMAGE_COLUMNS = ("Image Index", "Image ID")
ALIASES = {"Nodule or mass": ("Nodule or mass", "Nodule/mass"), "Airspace opacity": ("Airspace opacity",)}
VALUES = {
    "YES": LabelValue.POSITIVE,
    "NO": LabelValue.NEGATIVE,
    "1": LabelValue.POSITIVE,
    "0": LabelValue.NEGATIVE,
    "TRUE": LabelValue.POSITIVE,
    "FALSE": LabelValue.NEGATIVE,
    # Individual readers could hedge: an uncertain read.
    "HEDGE": LabelValue.UNCERTAIN,
}


def _columns(path: Path, columns: list[str], *, need_reader: bool) -> tuple[str, dict[str, str], str | None]:
    image_col = next((c for c in IMAGE_COLUMNS if c in columns), None)
    finding_cols = {}
    for finding in GOOGLE4_FINDINGS:
        col = next((a for a in ALIASES.get(finding, (finding,)) if a in columns), None)
        if col:
            finding_cols[finding] = col
    reader_col = "Reader ID" if "Reader ID" in columns else None
    missing = [f for f in GOOGLE4_FINDINGS if f not in finding_cols]
    if image_col is None or missing or (need_reader and reader_col is None):
        raise CsvLayoutError(
            f"Google four-findings: {path.name} needs {' or '.join(IMAGE_COLUMNS)}"
            f"{', Reader ID' if need_reader else ''} and {', '.join(GOOGLE4_FINDINGS)}; "
            f"found {', '.join(columns)}",
            detail={"found": columns},
        )
    return image_col, finding_cols, reader_col


def _values(row: dict[str, str], finding_cols: dict[str, str]) -> dict[str, str]:
    out = {}
    for finding, col in finding_cols.items():
        cell = row[col].upper()
        if cell not in VALUES:
            raise ValueError(f"{col} = {row[col]!r} is not YES, NO or HEDGE")
        out[finding] = VALUES[cell]
    return out


def import_google4(
    dataset: Dataset, root: Path, *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    summary = IngestSummary()
    schema = schema_ensure("google4")
    findings = findings_by_key(schema)
    tables = []
    for name, split in [*ADJUDICATED_FILES.items(), (READERS_FILE, None)]:
        path = root / name
        if path.exists():
            columns, rows = open_csv(path, layout="Google four-findings")
            tables.append((path, split, _columns(path, columns, need_reader=split is None), list(rows)))
    if not tables:
        summary.error(root.name, "missing_csv", f"no four_findings_expert_labels_*.csv in {root.name}/")
        return summary
    images = dict(Image.objects.filter(dataset=dataset).values_list("source_key", "id"))
    total = sum(len(t[3]) for t in tables)
    done = 0
    for path, split, (image_col, finding_cols, reader_col), rows in tables:
        for line, row in rows:
            done += 1
            where = f"{path.name}:{line}"
            try:
                values = _values(row, finding_cols)
            except ValueError as exc:
                summary.error(where, "bad_value", str(exc))
                continue
            image_id = images.get(row[image_col])
            if image_id is None:
                summary.error(
                    where, "unknown_image", f"no image {row[image_col]!r} in dataset {dataset.slug!r}"
                )
                continue
            image = Image.objects.get(pk=image_id)
            if split is not None:
                created = expert_labels_import(
                    image=image,
                    schema=schema,
                    values=values,
                    reason=f"Google NIH 4-finding expert labels ({split} set), 3 radiologists adjudicated",
                )
            else:
                created = labels_put(
                    image=image,
                    schema=schema,
                    source=LabelSource.READER,
                    source_version=f"google4-reader-{row[reader_col]}",
                    labels={k: LabelInput(v) for k, v in values.items()},
                    findings=findings,
                )
            summary.labels_created += created
            if created:
                summary.created += 1
            else:
                summary.existing += 1
            if on_progress:
                on_progress(done, total)
    return summary
