"""NIH ChestX-ray14: Data_Entry_2017.csv + images/; its Finding Labels become NLP labels."""

from pathlib import Path

from annotations.ingest.csvfiles import read_rows
from annotations.ingest.rasters import index_files, parse_age, store_raster
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.ingest.store import PatientInfo, StudyInfo
from annotations.models import Dataset
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.labels import LabelInput, findings_by_key, labels_put
from layouts import chestxray14 as nih
from layouts.label_schemas import CXR14_FINDINGS, NO_FINDING

CSV_NAME = nih.DATA_ENTRY
REQUIRED = nih.METADATA_COLUMNS
# NIH mined these labels from the reports with NLP (Wang et al. 2017): they are the noisy labels.
LABEL_VERSION = "nih-chestxray14-2017"


def parse_finding_labels(text: str) -> dict[str, str]:
    """'Effusion|Mass' -> every CXR14 finding positive or negative, plus No Finding."""
    named = {t.strip() for t in text.split(nih.FINDING_SEPARATOR) if t.strip()}
    unknown = named - set(CXR14_FINDINGS) - {NO_FINDING}
    if unknown:
        raise ValueError(f"unknown finding label(s) {sorted(unknown)}")
    values = {f: LabelValue.POSITIVE if f in named else LabelValue.NEGATIVE for f in CXR14_FINDINGS}
    values[NO_FINDING] = LabelValue.POSITIVE if not (named - {NO_FINDING}) else LabelValue.NEGATIVE
    return values


def import_chestxray14(
    dataset: Dataset, root: Path, *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    csv_path = root / CSV_NAME
    summary = IngestSummary()
    rows = list(read_rows(csv_path, required=REQUIRED, layout="ChestX-ray14"))
    files = index_files(root, (nih.IMAGE_SUFFIX,))
    schema = schema_ensure("chestxray14")
    findings = findings_by_key(schema)
    for done, (line, row) in enumerate(rows, start=1):
        name = row[nih.IMAGE_INDEX]
        where = f"{CSV_NAME}:{line} ({name})"
        try:
            values = parse_finding_labels(row[nih.FINDING_LABELS])
        except ValueError as exc:
            summary.error(where, "bad_labels", str(exc))
            continue
        path = files.get(name)
        if path is None:
            summary.error(where, "missing_file", f"image {name} is listed but not found under {root.name}/")
            continue
        patient_id = row[nih.PATIENT_ID].zfill(nih.PATIENT_ID_DIGITS)
        age = parse_age(row[nih.PATIENT_AGE])
        image = store_raster(
            dataset,
            path,
            summary,
            name=where,
            source_key=name,
            patient=PatientInfo(source_id=patient_id, age_years=age, sex=row[nih.PATIENT_GENDER]),
            study=StudyInfo(
                uid=f"cxr14:{patient_id}:{row[nih.FOLLOW_UP]}", modality="DX", patient_age_years=age
            ),
            view_position=row[nih.VIEW_POSITION],
            body_part="CHEST",
        )
        if image is not None:
            summary.labels_created += labels_put(
                image=image,
                schema=schema,
                source=LabelSource.NLP,
                source_version=LABEL_VERSION,
                labels={k: LabelInput(v) for k, v in values.items()},
                findings=findings,
            )
        if on_progress:
            on_progress(done, len(rows))
    return summary
