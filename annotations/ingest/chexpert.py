"""CheXpert: train.csv / valid.csv (Path, Sex, Age, Frontal/Lateral, AP/PA, 14 observations)."""

from pathlib import Path, PurePosixPath

from annotations.ingest.csvfiles import read_rows
from annotations.ingest.rasters import parse_age, store_raster
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.ingest.store import PatientInfo, StudyInfo
from annotations.models import Dataset
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.labels import LabelInput, findings_by_key, labels_put
from layouts import chexpert as layout
from layouts.label_schemas import CHEXPERT_FINDINGS

REQUIRED = layout.HEADER
# Stanford's labels come from the CheXpert labeler run on the reports.
LABEL_VERSION = "chexpert-labeler-v1"
VALUE_MAP = {cell: LabelValue(value) for cell, value in layout.CELL_VALUES.items()}


def parse_observations(row: dict[str, str]) -> dict[str, str]:
    """The row's 14 observations; blank cells are 'not mentioned' and store no label."""
    values = {}
    for finding in CHEXPERT_FINDINGS:
        cell = row[finding]
        if cell == layout.BLANK:
            continue
        if cell not in VALUE_MAP:
            raise ValueError(f"{finding} = {cell!r} is not 1.0, 0.0, -1.0 or blank")
        values[finding] = VALUE_MAP[cell]
    return values


def _resolve(root: Path, csv_path_value: str) -> Path:
    """CheXpert paths start with the release folder name (CheXpert-v1.0-small/train/...)."""
    rel = PurePosixPath(csv_path_value)
    if ".." in rel.parts or rel.is_absolute():
        raise ValueError("path leaves the data set folder")
    if rel.parts and rel.parts[0] == root.name:
        rel = PurePosixPath(*rel.parts[1:])
    return root.joinpath(*rel.parts)


def import_chexpert(
    dataset: Dataset,
    root: Path,
    *,
    csv_names: tuple[str, ...] = layout.CSV_NAMES,
    on_progress: ProgressCallback | None = None,
) -> IngestSummary:
    summary = IngestSummary()
    schema = schema_ensure("chexpert")
    findings = findings_by_key(schema)
    present = [name for name in csv_names if (root / name).exists()]
    if not present:
        summary.error(root.name, "missing_csv", f"none of {', '.join(csv_names)} found in {root.name}/")
        return summary
    # Check every CSV's header before storing anything.
    tables = [(name, list(read_rows(root / name, required=REQUIRED, layout="CheXpert"))) for name in present]
    total = sum(len(rows) for _, rows in tables)
    done = 0
    for csv_name, rows in tables:
        for line, row in rows:
            done += 1
            where = f"{csv_name}:{line}"
            try:
                values = parse_observations(row)
                path = _resolve(root, row[layout.PATH])
                parts = PurePosixPath(row[layout.PATH]).parts
                patient_key, study_key = parts[-3], parts[-2]
            except (ValueError, IndexError) as exc:
                summary.error(where, "bad_row", str(exc))
                continue
            if not path.is_file():
                summary.error(where, "missing_file", f"{row[layout.PATH]} is listed but not found")
                continue
            age = parse_age(row[layout.AGE])
            lateral = row[layout.FRONTAL_LATERAL].lower() == layout.LATERAL.lower()
            image = store_raster(
                dataset,
                path,
                summary,
                name=where,
                source_key=row[layout.PATH],
                patient=PatientInfo(source_id=patient_key, age_years=age, sex=row[layout.SEX]),
                study=StudyInfo(
                    uid=f"chexpert:{patient_key}:{study_key}",
                    modality="CR",
                    patient_age_years=age,
                    description=csv_name.removesuffix(".csv"),
                ),
                view_position="LL" if lateral else row[layout.AP_PA],
                body_part="CHEST",
            )
            if image is not None and values:
                summary.labels_created += labels_put(
                    image=image,
                    schema=schema,
                    source=LabelSource.NLP,
                    source_version=LABEL_VERSION,
                    labels={k: LabelInput(v) for k, v in values.items()},
                    findings=findings,
                )
            if on_progress:
                on_progress(done, total)
    return summary
