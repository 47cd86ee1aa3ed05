"""Celery tasks of the domain: thin wrappers that take ids and call services (idempotent)."""

from celery import shared_task

from annotations.ingest.registry import run_importer
from annotations.ingest.results import IngestSummary
from annotations.models import Job
from annotations.models.choices import JobStatus
from annotations.services.errors import DomainError
from annotations.services.jobs import job_finish, job_progress, job_start
from annotations.services.uploads import prepare_import_paths


@shared_task(bind=True, acks_late=True)
def import_job(self, job_id: int) -> dict:
    """Run an uploaded import. Re-running is safe: the importers are idempotent."""
    job = Job.objects.select_related("dataset").get(pk=job_id)
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return job.summary
    job_start(job_id, task_id=self.request.id or "")
    unpack = IngestSummary()
    try:
        paths = prepare_import_paths(job, unpack)
        summary = run_importer(
            job.params["importer"],
            job.dataset,
            paths,
            on_progress=lambda done, total: job_progress(job_id, done, total),
        )
    except (DomainError, ValueError) as exc:
        job_finish(
            job_id,
            summary=unpack.counts(),
            errors=[
                {
                    "file": job.params.get("file", ""),
                    "code": getattr(exc, "code", "invalid"),
                    "message": str(exc),
                }
            ],
            failed=True,
        )
        return {"failed": str(exc)}
    summary.failed += unpack.failed
    summary.errors = unpack.errors + summary.errors
    result = summary.as_dict()
    job_finish(job_id, summary=summary.counts(), errors=result["errors"])
    return summary.counts()


# Registered with the worker through this module (the app autodiscovers annotations.tasks).
from annotations import export_tasks, pacs_tasks  # noqa: E402, F401
