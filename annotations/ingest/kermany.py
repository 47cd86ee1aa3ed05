"""Kermany et al. 2018 folders: OCT2017 (CNV/DME/DRUSEN/NORMAL) and pediatric chest X-rays
(NORMAL/PNEUMONIA), laid out as {train,test}/<CLASS>/<file>.jpeg. The folder class becomes a
single-choice label from the original graders."""

from pathlib import Path

from annotations.ingest.rasters import store_raster
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.ingest.store import PatientInfo, StudyInfo
from annotations.models import Dataset
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.labels import LabelInput, findings_by_key, labels_put
from layouts import kermany as folders
from layouts.label_schemas import OCT_CLASSES, PEDIATRIC_CXR_CLASSES

LABEL_VERSION = "kermany2018-graders"
SPLITS = folders.SPLITS


def detect_layout(root: Path) -> str:
    classes = {
        p.name for split in SPLITS if (root / split).is_dir() for p in (root / split).iterdir() if p.is_dir()
    }
    if classes and classes <= set(OCT_CLASSES):
        return "oct"
    if classes and classes <= set(PEDIATRIC_CXR_CLASSES):
        return "pediatric"
    raise ValueError(
        f"{root.name}/ is not a Kermany layout: expected train/ and test/ holding "
        f"{'/'.join(OCT_CLASSES)} or {'/'.join(PEDIATRIC_CXR_CLASSES)} folders; "
        f"found {sorted(classes) or 'none'}"
    )


def patient_of(kind: str, cls: str, file_name: str) -> str:
    if kind == "oct":
        return folders.oct_patient(cls, file_name)
    return folders.pediatric_patient(file_name)


def import_kermany(
    dataset: Dataset, root: Path, *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    layout = detect_layout(root)
    schema = schema_ensure("oct4" if layout == "oct" else "pediatric_cxr")
    classes = OCT_CLASSES if layout == "oct" else PEDIATRIC_CXR_CLASSES
    findings = findings_by_key(schema)
    files = sorted(
        (split, cls, p)
        for split in SPLITS
        for cls in classes
        if (root / split / cls).is_dir()
        for p in (root / split / cls).iterdir()
        if p.is_file() and not p.name.startswith(".")
    )
    summary = IngestSummary()
    for done, (split, cls, path) in enumerate(files, start=1):
        where = f"{split}/{cls}/{path.name}"
        try:
            patient = patient_of(layout, cls, path.name)
        except ValueError as exc:
            summary.error(where, "bad_name", str(exc))
            continue
        image = store_raster(
            dataset,
            path,
            summary,
            name=where,
            source_key=where,
            patient=PatientInfo(source_id=patient),
            study=StudyInfo(
                uid=f"kermany-{layout}:{patient}:{path.stem}",
                modality="OPT" if layout == "oct" else "CR",
                description=split,
            ),
            body_part="EYE" if layout == "oct" else "CHEST",
        )
        if image is not None:
            values = {
                c: LabelInput(LabelValue.POSITIVE if c == cls else LabelValue.NEGATIVE) for c in classes
            }
            summary.labels_created += labels_put(
                image=image,
                schema=schema,
                source=LabelSource.READER,
                source_version=LABEL_VERSION,
                labels=values,
                findings=findings,
            )
        if on_progress:
            on_progress(done, len(files))
    return summary
