"""PACS sources: registering a DICOMweb endpoint for a dataset, the periodic sync of one source, and
sending a study's published final labels back to the PACS as a DICOM Basic Text SR (STOW-RS).

The import itself is annotations.ingest.pacs.pacs_import; this module decides which studies a
periodic sync asks for (the source's modality, StudyDate within its look-back window).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations.errors import InvalidInputError, NotFoundError
from annotations.ingest.pacs import PacsClient, PacsError, PacsImportResult, PacsQuery, pacs_import
from annotations.models import Dataset, Finding, Image, PacsSource, Study
from annotations.models.choices import FileFormat
from annotations.selectors.final_labels import published_final_labels
from annotations.services.audit import audit_record
from annotations.services.exports.pacs_sr import FindingLabel, ImageLabels, StudyLabels, build_label_sr
from annotations.services.privacy.identity import original_uids
from imaging.dicom import read_dicom_meta
from imaging.errors import ImagingError


def pacs_source_get_or_create(
    *,
    dataset: Dataset,
    url: str,
    name: str = "",
    enabled: bool | None = None,
    modality: str | None = None,
    lookback_days: int | None = None,
    actor=None,
) -> tuple[PacsSource, bool]:
    """The source for (dataset, url), created if new; given settings are updated on an existing one."""
    url = url.strip().rstrip("/")
    changes = {
        k: v
        for k, v in {"enabled": enabled, "modality": modality, "lookback_days": lookback_days}.items()
        if v is not None
    }
    source = PacsSource.objects.filter(dataset=dataset, url=url).first()
    created = source is None
    if source is None:
        source = PacsSource(dataset=dataset, url=url, name=name or url)
    for key, value in changes.items():
        setattr(source, key, value)
    try:
        source.full_clean(validate_unique=False)
    except ValidationError as exc:
        raise InvalidInputError(f"PACS source is not valid: {'; '.join(exc.messages)}") from exc
    if created or changes:
        source.save()
    if created:
        audit_record(
            actor=actor, action="pacs.source_create", obj=source, dataset=dataset, after={"url": url}
        )
    return source, created


def periodic_query(source: PacsSource, *, today: dt.date | None = None) -> PacsQuery:
    """What a scheduled sync of `source` asks the PACS for: the last `lookback_days` days."""
    today = today or timezone.localdate()
    return PacsQuery(since=today - dt.timedelta(days=source.lookback_days), modality=source.modality)


def pacs_sync(source_id: int) -> PacsImportResult:
    """One scheduled sync of a source (idempotent and resumable: safe to run twice or concurrently)."""
    source = PacsSource.objects.select_related("dataset").filter(pk=source_id).first()
    if source is None:
        raise NotFoundError(f"No PACS source {source_id}.")
    return pacs_import(source, periodic_query(source))


# --- Adjudicated labels back to the PACS ------------------------------------------------------


def _header_value(item: dict, tag: str) -> str:
    values = item.get(tag, {}).get("Value") or []
    if not values:
        return ""
    value = values[0]
    if isinstance(value, dict):  # PN in DICOM JSON
        return str(value.get("Alphabetic", ""))
    return str(value)


_HEADER_TAGS = {
    "PatientName": "00100010",
    "PatientID": "00100020",
    "PatientBirthDate": "00100030",
    "PatientSex": "00100040",
    "StudyDate": "00080020",
    "StudyTime": "00080030",
    "AccessionNumber": "00080050",
    "ReferringPhysicianName": "00080090",
    "StudyID": "00200010",
}


def _pacs_header(client: PacsClient, study_uid: str) -> tuple[tuple[str, str], ...]:
    """The study's patient/study attributes as the PACS holds them, so the SR files with the study."""
    try:
        found = client.dicomweb.search_for_studies(
            search_filters={"StudyInstanceUID": study_uid}, fields=list(_HEADER_TAGS)
        )
    except Exception as exc:  # network or HTTP: the PACS is the problem, not the labels
        raise PacsError(
            f"PACS at {client.url} failed to find study for the label SR ({type(exc).__name__})."
        ) from exc
    if not found:
        raise PacsError(
            f"The PACS at {client.url} does not hold this study; nothing was sent.", code="pacs_no_study"
        )
    return tuple((k, v) for k, tag in _HEADER_TAGS.items() if (v := _header_value(found[0], tag)))


def _sop_class(image: Image) -> str:
    try:
        return read_dicom_meta(Path(settings.MEDIA_ROOT) / image.file.name).sop_class_uid
    except (ImagingError, OSError):
        return ""


def _finding_name(finding: Finding, own_schema_id: int) -> str:
    return finding.key if finding.schema_id == own_schema_id else f"{finding.schema.key}:{finding.key}"


def study_labels(study: Study) -> StudyLabels | None:
    """The study's published final labels as an SR payload; None when it has none on DICOM images.
    Findings of the dataset's own schema go by their key, those of another schema (imported expert
    labels) as "<schema>:<finding>", as in the snapshots, so same-named findings stay apart."""
    labels = (
        published_final_labels(study.dataset)
        .filter(
            image__study=study, image__sop_instance_uid__isnull=False, image__file_format=FileFormat.DICOM
        )
        .select_related("finding__schema", "provenance", "image")
        .order_by("image_id", "finding__schema__key", "finding__order", "finding__key")
    )
    by_image: dict[int, list] = {}
    images: dict[int, Image] = {}
    for label in labels:
        images[label.image_id] = label.image
        prov = getattr(label, "provenance", None)
        by_image.setdefault(label.image_id, []).append(
            FindingLabel(
                finding=_finding_name(label.finding, study.dataset.schema_id),
                value=label.value,
                how_reached=prov.how_reached if prov else "imported",
                rounds=prov.rounds if prov else 0,
                reader_values=tuple(sorted(str(r.get("value", "")) for r in (prov.readers if prov else []))),
                decided_at=prov.decided_at.isoformat(timespec="seconds") if prov else "",
            )
        )
    entries = []
    for image_id, findings in by_image.items():
        sop_class = _sop_class(images[image_id])
        if sop_class:
            entries.append(ImageLabels(sop_class, images[image_id].sop_instance_uid, tuple(findings)))
    if not entries:
        return None
    return StudyLabels(
        study_instance_uid=study.study_instance_uid,
        dataset=study.dataset.slug,
        schema=study.dataset.schema.key,
        images=tuple(entries),
    )


def _with_original_uids(payload: StudyLabels, source: PacsSource) -> StudyLabels:
    """The PACS knows its own UIDs: Arbiter's pseudonyms go back through the mapping (audited)."""
    wanted = [payload.study_instance_uid, *(i.sop_instance_uid for i in payload.images)]
    back = original_uids(actor=None, uids=wanted, purpose="pacs.labels_sent", dataset=source.dataset)
    return replace(
        payload,
        study_instance_uid=back[payload.study_instance_uid],
        images=tuple(replace(i, sop_instance_uid=back[i.sop_instance_uid]) for i in payload.images),
    )


@dataclass
class LabelSrSendResult:
    sent: list[str]  # SOP Instance UIDs of the SRs stored
    skipped: int  # studies without published final labels on DICOM images


def labels_sr_send(
    *,
    source: PacsSource,
    study_ids: list[int] | None = None,
    client: PacsClient | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> LabelSrSendResult:
    """STOW-RS one label SR per study of the source's dataset that has published final labels.

    Sending again after no change sends the same SR instance (same UID): the PACS keeps one copy.
    `on_progress(done, total)` is called before each study (a job's heartbeat and cancel check).
    """
    client = client or PacsClient(source.url)
    studies = Study.objects.filter(dataset=source.dataset).select_related("dataset__schema").order_by("id")
    if study_ids is not None:
        studies = studies.filter(pk__in=study_ids)
    total = studies.count() if on_progress else 0
    sent, skipped = [], 0
    for done, study in enumerate(studies):
        if on_progress:
            on_progress(done, total)
        payload = study_labels(study)
        if payload is None:
            skipped += 1
            continue
        payload = _with_original_uids(payload, source)
        payload = replace(payload, header=_pacs_header(client, payload.study_instance_uid))
        ds = build_label_sr(payload)
        try:
            client.dicomweb.store_instances([ds])
        except Exception as exc:
            raise PacsError(f"PACS at {client.url} refused the label SR ({type(exc).__name__}).") from exc
        sent.append(str(ds.SOPInstanceUID))
    audit_record(
        actor=None, action="pacs.labels_sent", obj=source, dataset=source.dataset, after={"sent": len(sent)}
    )
    return LabelSrSendResult(sent=sent, skipped=skipped)
