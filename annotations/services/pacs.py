"""PACS sources: registering a DICOMweb endpoint for a dataset, and the periodic sync of one source.

The import itself is annotations.ingest.pacs.pacs_import; this module decides which studies a
periodic sync asks for (the source's modality, StudyDate within its look-back window).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from annotations.ingest.pacs import PacsImportResult, PacsQuery, pacs_import
from annotations.models import Dataset, PacsSource
from annotations.services.audit import audit_record
from annotations.services.errors import InvalidInputError, NotFoundError


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
