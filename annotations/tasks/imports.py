"""Celery tasks of the domain: thin wrappers that take ids and call services (idempotent)."""

from celery import shared_task

from annotations.ingest.registry import run_importer
from annotations.ingest.results import IngestSummary
from annotations.ingest.uploads import prepare_import_paths, upload_release
from annotations.services.jobs.lifecycle import job_claim


@shared_task(name="annotations.import_job", bind=True, acks_late=True)
def import_job(self, job_id: int) -> dict:
    """Run an uploaded import through the job lifecycle (annotations.services.jobs.lifecycle).

    Re-running is safe: the importers are idempotent, so a job re-queued after its worker died
    imports only what is missing. A cancel stops it at the next file; a full or unwritable disk
    fails it with that reason. When it has ended, its upload is freed (a failed one keeps the file).
    """
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or running on a live worker
        return {"job": job_id, "skipped": True}
    job = run.job
    unpack = IngestSummary()

    def on_progress(done: int, total: int | None) -> None:
        run.progress(done, total)
        run.check_cancelled()

    with run:
        paths = prepare_import_paths(job, unpack)
        run.check_cancelled()
        summary = run_importer(job.params["importer"], job.dataset, paths, on_progress=on_progress)
        summary.prepend_errors(unpack)
        if summary.error_counts and not summary.imported_anything:
            # Nothing stored and errors: a failed import, not a success with an error list (issue #13.3).
            classes = ", ".join(f"{c.code} ({c.count})" for c in summary.error_classes())
            run.fail(
                f"Nothing was imported: {classes}.",
                code="nothing_imported",
                errors=summary.as_dict()["errors"],
                summary=summary.counts(),
            )
        else:
            run.finish(summary=summary.counts(), errors=summary.as_dict()["errors"])
    job.refresh_from_db()
    upload_release(job)
    return run.result
