"""Bad-image detection for a dataset as a task (thin: mlworker.qc does the work).

Runs on the default queue: the detectors are tiny networks that train in seconds to minutes on a
CPU (they use a GPU when the worker has one). Idempotent: a redelivered run loads the detectors the
first one registered and writes no flag twice.
"""

from celery import shared_task
from django.utils import timezone

from annotations.models import Dataset, Job
from annotations.models.choices import JobStatus
from annotations.services.errors import DomainError
from annotations.services.jobs import job_finish, job_progress, job_start
from mlworker.ml.nets.errors import ModelError
from mlworker.qc import QCOptions, qc_run


@shared_task(bind=True, acks_late=True)
def run_qc(self, dataset_id: int, job_id: int) -> dict:
    job = Job.objects.get(pk=job_id)
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return job.summary
    dataset = Dataset.objects.get(pk=dataset_id)
    job_start(job_id, task_id=self.request.id or "")
    try:
        summary = qc_run(
            dataset,
            QCOptions.from_params(job.params),
            progress=lambda done, total: job_progress(job_id, done, total),
        )
    except (DomainError, ModelError) as exc:
        job_finish(
            job_id, summary={}, errors=[{"file": "", "code": "qc_failed", "message": str(exc)}], failed=True
        )
        return {"status": "failed", "error": str(exc)}
    errors = summary.pop("errors", [])
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED,
        summary={**summary, "created": sum(summary["flags_created"].values())},
        errors=errors,
        done=summary["images"],
        total=summary["images"],
        finished_at=timezone.now(),
    )
    return summary
