"""Importing DICOM files, folders and zips: images, and report text found in SR instances.

Identifiers are pseudonymised and the stored file de-identified in `annotations.ingest.store`; a
report found in an SR is scrubbed of its header's identifiers (`annotations.ingest.reports`). The
file's name is not kept as the image's source key (hospital exports name folders after patients and
accessions).
"""

import io
from pathlib import Path

import pydicom
from django.conf import settings

from annotations.ingest.reports import report_upsert
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.ingest.sources import Blob, iter_blobs
from annotations.ingest.store import (
    PatientInfo,
    StudyInfo,
    image_store,
    patient_upsert,
    stored_ids,
    study_upsert,
)
from annotations.models import Dataset
from annotations.models.choices import FileFormat
from imaging.dicom import decode_dicom, extract_report_text, read_dicom_meta
from imaging.errors import ImagingError, NoPixelDataError
from imaging.sr_marks import ARBITER_SR_MANUFACTURER

_UID_MAX = 128  # the UID columns' size


def _text(value: str, limit: int) -> str:
    """A header string fit for the database: NUL bytes (PostgreSQL text refuses them) dropped, cut to size."""
    return (value or "").replace("\x00", "").strip()[:limit]


def _uid(value: str, what: str) -> str:
    uid = (value or "").replace("\x00", "").strip()
    if len(uid) > _UID_MAX:
        raise ImagingError(
            f"The {what} is {len(uid)} characters long; a DICOM UID has at most 64.", code="bad_uid"
        )
    return uid


def _patient_name(content: bytes) -> str:
    """PatientName from the header (for the admin-only mapping and report scrubbing), or ''."""
    try:
        ds = pydicom.dcmread(
            io.BytesIO(content), force=True, stop_before_pixels=True, specific_tags=["PatientName"]
        )
        return _text(str(ds.get("PatientName", "") or ""), 200)
    except Exception:
        return ""


def _infos(meta, content: bytes) -> tuple[PatientInfo, StudyInfo]:
    study_uid = _uid(meta.study_instance_uid, "StudyInstanceUID")
    patient = PatientInfo(
        source_id=_text(meta.patient_id, 64) or f"unknown-{study_uid}"[:64],
        age_years=meta.patient_age_years,
        sex=_text(meta.patient_sex, 16),
        name=_patient_name(content),
    )
    study = StudyInfo(
        uid=study_uid,
        accession=_text(meta.accession_number, 64),
        date=meta.study_date,
        modality=_text(meta.modality, 16),
        patient_age_years=meta.patient_age_years,
    )
    return patient, study


def _import_report(dataset: Dataset, blob: Blob, summary: IngestSummary) -> bool:
    """If `blob` is an SR with text, attach it as its study's report; True when it was one."""
    text = (extract_report_text(blob.content) or "").replace("\x00", "")
    if not text.strip():
        return False
    meta = read_dicom_meta(blob.content)
    if meta.modality == "SR" and meta.manufacturer == ARBITER_SR_MANUFACTURER:
        summary.existing += 1  # Arbiter's own label SR coming back: not a radiologist's report
        return True
    patient_info, study_info = _infos(meta, blob.content)
    if not study_info.uid:
        summary.error(blob.name, "no_study_uid", "structured report has no StudyInstanceUID")
        return True
    ids = stored_ids(dataset, patient_info, study_info)
    study = study_upsert(dataset, patient_upsert(dataset, patient_info, ids), study_info, ids)
    known = (patient_info.name, meta.patient_id, meta.accession_number)
    outcome = report_upsert(study, text, source="dicom_sr", known=known)[1]
    if outcome == "created":
        summary.reports_created += 1
    elif outcome == "updated":
        summary.reports_updated += 1
    else:
        summary.existing += 1
    return True


def import_blob(dataset: Dataset, blob: Blob, summary: IngestSummary) -> None:
    try:
        decoded = decode_dicom(blob.content, max_pixels=settings.ARBITER_MAX_IMAGE_PIXELS)
    except NoPixelDataError as exc:
        try:
            if _import_report(dataset, blob, summary):
                return
        except ImagingError:
            pass
        summary.error(blob.name, exc.code, str(exc))
        return
    except ImagingError as exc:
        summary.error(blob.name, exc.code, str(exc))
        return
    meta = decoded.meta
    if meta is None:
        summary.error(blob.name, "no_study_uid", "DICOM file has no StudyInstanceUID")
        return
    try:
        patient, study = _infos(meta, blob.content)
        sop_uid = _uid(meta.sop_instance_uid, "SOPInstanceUID")
    except ImagingError as exc:
        summary.error(blob.name, exc.code, str(exc))
        return
    if not study.uid:
        summary.error(blob.name, "no_study_uid", "DICOM file has no StudyInstanceUID")
        return
    try:
        _, created = image_store(
            dataset=dataset,
            decoded=decoded,
            content=blob.content,
            file_format=FileFormat.DICOM,
            suffix=".dcm",
            patient=patient,
            study=study,
            sop_uid=sop_uid or None,
            view_position=_text(meta.view_position, 16),
            body_part=_text(meta.body_part, 32),
        )
    except ImagingError as exc:
        summary.error(blob.name, exc.code, str(exc))
        return
    if created:
        summary.created += 1
    else:
        summary.existing += 1


def import_dicom(
    dataset: Dataset, paths: list[Path], *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    """Import every DICOM under `paths`; bad files are per-file errors, the rest import."""
    summary = IngestSummary()
    for done, blob in enumerate(iter_blobs(paths, summary), start=1):
        import_blob(dataset, blob, summary)
        if on_progress:
            on_progress(done, None)
    return summary
