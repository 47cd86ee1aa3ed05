"""Bad-image detection for a dataset as a task (thin: learning.services.qc.run does the work).

Runs on the default queue: the shipped orientation / inversion detector scores thousands of films a
minute on a CPU. Progress is real: fine-tuning epochs (when it fine-tunes), then images scored, and
the cancel check runs with each report (after every epoch and every slice of images). Idempotent: a
redelivered run loads the detector the first one registered and writes no flag twice.
"""

from celery import shared_task

from annotations.services.jobs.lifecycle import job_claim
from learning.services.qc.run import QCOptions, qc_run


@shared_task(name="learning.run_qc", bind=True, acks_late=True)
def run_qc(self, dataset_id: int, job_id: int) -> dict:
    """Through the job lifecycle (annotations.services.jobs.lifecycle): `run.progress(done, total)`
    beats and reports; `run.check_cancelled()` stops a cancelled job (JobStopped); a detector or
    model error fails the job with its message."""
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or running on a live worker
        return {"job": job_id, "skipped": True}

    def progress(done: int, total: int | None) -> None:
        run.progress(done, total)
        run.check_cancelled()

    with run:
        summary = qc_run(run.job.dataset, QCOptions.from_params(run.job.params), progress=progress)
        errors = summary.pop("errors", [])
        run.finish(
            summary={**summary, "created": sum(summary["flags_created"].values())},
            errors=errors,
            done=summary["images"],
            total=summary["images"],
        )
    return run.result
