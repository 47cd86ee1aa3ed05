"""What happens when a job has ended, by whatever route (its worker, a cancel, the reaper).

Each kind's own steps run first (annotations.hooks: an import frees its upload folder,
annotations.ingest.uploads.upload_release, registered by the app); an export whose job
ended without its snapshot being written marks the snapshot failed with the job's reason, so a
snapshot never stays "building" after its job is over.
"""

import logging

from django.utils import timezone

from annotations import hooks
from annotations.models import Job, LabelSetSnapshot
from annotations.models.choices import ACTIVE_JOB_STATUSES, JobKind, JobStatus

log = logging.getLogger(__name__)


def job_reason(job: Job) -> str:
    first = job.errors[0] if job.errors else {}
    if job.status == JobStatus.CANCELLED:
        return "Cancelled by an administrator."
    return str(first.get("message") or f"The job {job.status}.")


def job_ended(job_id: int) -> None:
    """Run the kind's clean-up for an ended job (idempotent; a job still active is left alone)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status in ACTIVE_JOB_STATUSES:
        return
    try:
        for step in hooks.job_end_steps(job.kind):
            step(job)
        if job.kind == JobKind.EXPORT and job.status != JobStatus.SUCCEEDED:
            LabelSetSnapshot.objects.filter(job=job, status=LabelSetSnapshot.Status.BUILDING).update(
                status=LabelSetSnapshot.Status.FAILED, error=job_reason(job), finished_at=timezone.now()
            )
    except OSError:  # clean-up is best effort; the sweep tries again
        log.warning("clean-up after job %s failed", job_id, exc_info=True)
