"""Celery tasks for PACS sync: the beat schedule runs ``pacs_sync_all`` (config/celery.py), which
queues one ``pacs_sync_source`` per enabled source. Both take ids and are safe to run twice."""

from celery import shared_task

from annotations.ingest.pacs import PacsError
from annotations.models import PacsSource
from annotations.services.pacs import pacs_sync


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(PacsError,),
    retry_backoff=60,
    retry_backoff_max=240,  # below the broker's visibility timeout, or a waiting retry is redelivered
    max_retries=3,
)
def pacs_sync_source(self, source_id: int) -> dict:
    """Import what is new on one PACS source; a PACS that is down is retried with backoff."""
    return pacs_sync(source_id).counts()


@shared_task(acks_late=True)
def pacs_sync_all() -> list[int]:
    """Queue a sync of every enabled source; returns their ids."""
    ids = list(PacsSource.objects.filter(enabled=True).order_by("id").values_list("id", flat=True))
    for source_id in ids:
        pacs_sync_source.delay(source_id)
    return ids
