"""Celery tasks for PACS sync: the beat schedule runs ``pacs_sync_all`` (config/celery.py), which
queues one ``pacs_sync_source`` per enabled source, each a Job (kind ``pacs``) through the job
lifecycle: claimed, beating while it imports, cancellable, re-queued by the reaper if its worker dies
(the import is idempotent and resumable). A PACS that is down is retried with backoff (the job waits
`queued` meanwhile), then the job fails with the reason.

Sending the labels back (one label SR per study) is a Job of the same kind with
``params["direction"] == "export"``: ``pacs_send_labels_job``, idempotent too (an unchanged study's SR
keeps its UID, so a resend stores nothing new)."""

from celery import shared_task

from annotations.ingest.pacs import PacsError, pacs_import
from annotations.ingest.pacs_sources import labels_sr_send, pacs_sync, periodic_query
from annotations.models import Job, PacsSource
from annotations.models.choices import ACTIVE_JOB_STATUSES, PACS_EXPORT, JobKind
from annotations.services.jobs.lifecycle import job_claim

EXPORT = PACS_EXPORT  # params["direction"] of a label export job (a sync has no direction)


@shared_task(
    name="annotations.pacs_sync_source",
    bind=True,
    acks_late=True,
    autoretry_for=(PacsError,),
    retry_backoff=60,
    retry_backoff_max=240,  # below the broker's visibility timeout, or a waiting retry is redelivered
    max_retries=3,
)
def pacs_sync_source(self, source_id: int, job_id: int | None = None) -> dict:
    """Import what is new on one PACS source; a PACS that is down is retried with backoff."""
    if job_id is None:
        return pacs_sync(source_id).counts()
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or importing on a live worker
        return {"job": job_id, "skipped": True}
    retry: PacsError | None = None

    def progress(done: int, total: int | None) -> None:
        run.progress(done, total)
        run.check_cancelled()

    with run:
        source = PacsSource.objects.select_related("dataset").get(pk=source_id)
        try:
            result = pacs_import(source, periodic_query(source), on_progress=progress)
        except PacsError as exc:
            if self.request.retries >= self.max_retries:
                raise  # the job fails with the reason (pacs_unavailable)
            run.release()
            retry = exc
        else:
            run.finish(summary=result.counts(), errors=result.as_dict()["errors"])
    if retry is not None:
        raise retry  # autoretry: the same job, claimed again by the retry
    return run.result


def pacs_sync_job_start(source: PacsSource) -> Job | None:
    """Queue a sync of `source` as a Job; None when one is already queued or running for it."""
    syncs = Job.objects.filter(kind=JobKind.PACS, params__source=source.pk).exclude(params__direction=EXPORT)
    if syncs.filter(status__in=ACTIVE_JOB_STATUSES).exists():
        return None
    job = Job.objects.create(kind=JobKind.PACS, dataset_id=source.dataset_id, params={"source": source.pk})
    pacs_sync_source.delay(source.pk, job.pk)
    return job


@shared_task(name="annotations.pacs_sync_all", acks_late=True)
def pacs_sync_all() -> list[int]:
    """Queue a sync of every enabled source (one at a time per source); returns their ids."""
    sources = list(PacsSource.objects.filter(enabled=True).order_by("id"))
    for source in sources:
        pacs_sync_job_start(source)
    return [s.pk for s in sources]


def pacs_labels_job_create(source: PacsSource) -> Job:
    """The Job row of sending `source`'s dataset's final labels back to the PACS."""
    return Job.objects.create(
        kind=JobKind.PACS, dataset_id=source.dataset_id, params={"source": source.pk, "direction": EXPORT}
    )


@shared_task(name="annotations.pacs_send_labels_job", bind=True, acks_late=True)
def pacs_send_labels_job(self, job_id: int) -> dict:
    """Send one label SR per study with final labels; beats, reports studies done, stops on cancel."""
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or sending on a live worker
        return {"job": job_id, "skipped": True}

    def progress(done: int, total: int) -> None:
        run.check_cancelled()
        run.progress(done, total)

    with run:
        source = PacsSource.objects.select_related("dataset").get(pk=run.job.params["source"])
        result = labels_sr_send(source=source, on_progress=progress)
        n = len(result.sent) + result.skipped
        run.finish(summary={"sent": len(result.sent), "skipped": result.skipped}, errors=[], done=n, total=n)
    return run.result
