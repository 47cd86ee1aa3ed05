"""Storing one decoded image, idempotently: the same SOPInstanceUID or pixel checksum is the same image.

Each image is stored in its own transaction, so one bad file never undoes or blocks the others,
and the file is content-addressed under MEDIA_ROOT so a re-import writes nothing new.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from annotations.imaging.checksum import pixel_checksum
from annotations.imaging.decoded import DecodedImage
from annotations.models import Dataset, Image, Patient, Study

RENDER_PIPELINE_VERSION = "r1"


@dataclass(frozen=True)
class PatientInfo:
    pseudo_id: str
    age_years: float | None = None
    sex: str = ""


@dataclass(frozen=True)
class StudyInfo:
    uid: str
    accession: str = ""
    date: dt.date | None = None
    modality: str = ""
    description: str = ""
    patient_age_years: float | None = None


def normalise_sex(value: str | None) -> str:
    v = (value or "").strip().upper()
    return {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "O": "O", "OTHER": "O"}.get(v, "")


def patient_upsert(dataset: Dataset, info: PatientInfo) -> Patient:
    patient, created = Patient.objects.get_or_create(
        dataset=dataset,
        pseudo_id=info.pseudo_id,
        defaults={"age_years": info.age_years, "sex": normalise_sex(info.sex)},
    )
    if not created and patient.age_years is None and info.age_years is not None:
        patient.age_years = info.age_years
        patient.save(update_fields=["age_years"])
    return patient


def study_upsert(dataset: Dataset, patient: Patient, info: StudyInfo) -> Study:
    study, _ = Study.objects.get_or_create(
        dataset=dataset,
        study_instance_uid=info.uid,
        defaults={
            "patient": patient,
            "accession_number": info.accession,
            "study_date": info.date,
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
    """Store an image and its patient/study if new; return (image, created)."""
    checksum = pixel_checksum(decoded)
    existing = find_existing(dataset, sop_uid=sop_uid, checksum=checksum)
    if existing is not None:
        return existing, False
    relative = _stored_path(dataset, checksum, suffix)
    _write_once(relative, content)
    rows, cols = decoded.pixels.shape[:2]
    window = decoded.default_window
    try:
        with transaction.atomic():
            p = patient_upsert(dataset, patient)
            s = study_upsert(dataset, p, study)
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
    except IntegrityError:
        # A concurrent import stored the same image first: that is the idempotent outcome.
        existing = find_existing(dataset, sop_uid=sop_uid, checksum=checksum)
        if existing is None:
            raise
        return existing, False
    return image, True
