"""Storing one decoded image, idempotently: the same SOPInstanceUID or pixel checksum is the same image.

Each image is stored in its own transaction, so one bad file never undoes or blocks the others,
and the file is content-addressed under MEDIA_ROOT so a re-import writes nothing new.

Identifiers are pseudonymised here, for every ingest path: the patient id, accession number and
UIDs a source gives become keyed pseudonyms (`annotations.services.privacy.identity`), the study date moves
by the patient's keyed offset where the dataset shifts dates, and a DICOM file is de-identified
(`imaging.deid`) before it is written; an image that may carry burned-in text gets an
open `burned_in` QC flag, which holds it from reading until someone has looked.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from annotations.models import Dataset, Image, Patient, QCFlag, Study
from annotations.models.choices import FileFormat, QCKind
from annotations.services.privacy.identity import SourceIds, StoredIds, source_ids_pseudonymise, uid_pseudonym
from imaging.checksum import pixel_checksum
from imaging.decoded import DecodedImage
from imaging.deid import deidentify_dicom
from imaging.errors import ImagingError

RENDER_PIPELINE_VERSION = "r1"


BURNED_IN_RULES = "dicom-header-v1"


@dataclass(frozen=True)
class PatientInfo:
    """The patient as the source names them; `source_id` and `name` are never stored as they are."""

    source_id: str
    age_years: float | None = None
    sex: str = ""
    name: str = ""


@dataclass(frozen=True)
class StudyInfo:
    """The study as the source names it; uid and accession are pseudonymised on store."""

    uid: str
    accession: str = ""
    date: dt.date | None = None
    modality: str = ""
    description: str = ""
    patient_age_years: float | None = None


def normalise_sex(value: str | None) -> str:
    v = (value or "").strip().upper()
    return {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "O": "O", "OTHER": "O"}.get(v, "")


def stored_ids(
    dataset: Dataset, patient: PatientInfo, study: StudyInfo, sop_uid: str | None = None
) -> StoredIds:
    """The pseudonyms (and shifted date) this patient/study/instance is stored under."""
    return source_ids_pseudonymise(
        dataset,
        SourceIds(
            patient_id=patient.source_id,
            study_uid=study.uid,
            accession=study.accession,
            sop_uid=sop_uid or "",
            study_date=study.date,
            patient_name=patient.name,
        ),
    )


def patient_upsert(dataset: Dataset, info: PatientInfo, ids: StoredIds) -> Patient:
    patient, created = Patient.objects.get_or_create(
        dataset=dataset,
        pseudo_id=ids.patient_id,
        defaults={"age_years": info.age_years, "sex": normalise_sex(info.sex)},
    )
    if not created and patient.age_years is None and info.age_years is not None:
        patient.age_years = info.age_years
        patient.save(update_fields=["age_years"])
    return patient


def study_upsert(dataset: Dataset, patient: Patient, info: StudyInfo, ids: StoredIds) -> Study:
    study, _ = Study.objects.get_or_create(
        dataset=dataset,
        study_instance_uid=ids.study_uid,
        defaults={
            "patient": patient,
            "accession_number": ids.accession,
            "study_date": ids.study_date,
            "modality": info.modality,
            "description": info.description,
            "patient_age_years": info.patient_age_years,
        },
    )
    return study


def _stored_path(dataset: Dataset, checksum: str, suffix: str) -> str:
    return f"images/{dataset.pk}/{checksum[:2]}/{checksum}{suffix}"


def _write_once(relative: str, content: bytes) -> None:
    target = Path(settings.MEDIA_ROOT) / relative
    if target.exists() and target.stat().st_size == len(content):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(content)
    tmp.replace(target)


def _deidentified(content: bytes, ids: StoredIds) -> tuple[bytes, str]:
    try:
        return deidentify_dicom(
            content,
            uid_map=uid_pseudonym,
            patient_id=ids.patient_id,
            accession=ids.accession,
            seed=ids.seed,
            date_offset_days=ids.date_offset_days,
        )
    except ImagingError:
        raise
    except Exception as exc:  # pydicom read it for its pixels but cannot rewrite its header
        raise ImagingError(
            f"the file cannot be de-identified ({type(exc).__name__}); it was not stored",
            code="deid_failed",
        ) from exc


def find_existing(dataset: Dataset, *, sop_uid: str | None, checksum: str) -> Image | None:
    q = Q(pixel_checksum=checksum)
    if sop_uid:
        q |= Q(sop_instance_uid=sop_uid)
    return Image.objects.filter(dataset=dataset).filter(q).first()


def image_store(
    *,
    dataset: Dataset,
    decoded: DecodedImage,
    content: bytes,
    file_format: str,
    suffix: str,
    patient: PatientInfo,
    study: StudyInfo,
    source_key: str = "",
    sop_uid: str | None = None,
    view_position: str = "",
    body_part: str = "",
) -> tuple[Image, bool]:
    """Store an image and its patient/study if new; return (image, created).

    Raises ImagingError when a DICOM file cannot be de-identified (nothing is stored then)."""
    ids = stored_ids(dataset, patient, study, sop_uid)
    sop_uid = ids.sop_uid or None
    checksum = pixel_checksum(decoded)
    existing = find_existing(dataset, sop_uid=sop_uid, checksum=checksum)
    if existing is not None:
        return existing, False
    burned_in = ""
    if file_format == FileFormat.DICOM:
        content, burned_in = _deidentified(content, ids)
    relative = _stored_path(dataset, checksum, suffix)
    _write_once(relative, content)
    rows, cols = decoded.pixels.shape[:2]
    window = decoded.default_window
    try:
        with transaction.atomic():
            p = patient_upsert(dataset, patient, ids)
            s = study_upsert(dataset, p, study, ids)
            image = Image.objects.create(
                dataset=dataset,
                study=s,
                sop_instance_uid=sop_uid or None,
                source_key=source_key,
                file=relative,
                file_format=file_format,
                pixel_checksum=checksum,
                rows=rows,
                cols=cols,
                bits_stored=decoded.bits_stored,
                photometric_interpretation=decoded.photometric,
                transfer_syntax_uid=(decoded.meta.transfer_syntax_uid if decoded.meta else "") or "",
                view_position=view_position,
                body_part=body_part,
                window_center=window[0] if window else None,
                window_width=window[1] if window else None,
                derived_cache_key=f"{checksum[:32]}-{RENDER_PIPELINE_VERSION}",
            )
            if burned_in:
                QCFlag.objects.create(
                    image=image,
                    kind=QCKind.BURNED_IN,
                    probability=1.0,
                    source_version=BURNED_IN_RULES,
                    detail={"reason": burned_in},
                )
    except IntegrityError:
        # A concurrent import stored the same image first: that is the idempotent outcome.
        existing = find_existing(dataset, sop_uid=sop_uid, checksum=checksum)
        if existing is None:
            raise
        return existing, False
    return image, True
