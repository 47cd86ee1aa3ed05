"""What happens when a job has ended, by whatever route (its worker, a cancel, the reaper).

An import frees its upload (annotations.services.uploads.upload_release); an export whose job
ended without its snapshot being written marks the snapshot failed with the job's reason, so a
snapshot never stays "building" after its job is over.
"""

import logging

from django.utils import timezone

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
        if job.kind == JobKind.IMPORT:
            from annotations.services.uploads import upload_release

            upload_release(job)
        elif job.kind == JobKind.EXPORT and job.status != JobStatus.SUCCEEDED:
            LabelSetSnapshot.objects.filter(job=job, status=LabelSetSnapshot.Status.BUILDING).update(
                status=LabelSetSnapshot.Status.FAILED, error=job_reason(job), finished_at=timezone.now()
            )
    except OSError:  # clean-up is best effort; the sweep tries again
        log.warning("clean-up after job %s failed", job_id, exc_info=True)
