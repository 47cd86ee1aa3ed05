"""Background jobs: create, report progress, finish with a summary, cancel. Progress writes are throttled.

`job_cancel` cancels scoring jobs only. A scoring job's every step re-reads the job row and stops
on a cancelled one (see annotations.services.scoring). Import, NLP, QC, ranking and export jobs
finish through `job_finish` / their own unconditional updates and never look at the status while
they run, so "cancelled" would be overwritten by "succeeded" a moment later: they are refused
with a 400 rather than pretending to stop.
"""

import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations.models import Job
from annotations.models.choices import ACTIVE_JOB_STATUSES, JobKind, JobStatus
from annotations.services.audit import audit_record
from annotations.services.errors import ConflictError, InvalidInputError

CANCELLABLE_KINDS: tuple[str, ...] = (JobKind.SCORING,)

_last_write: dict[int, float] = {}


def job_create(*, kind: str, dataset=None, params: dict | None = None, created_by=None) -> Job:
    return Job.objects.create(
        kind=kind,
        dataset=dataset,
        params=params or {},
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )


def job_start(job_id: int, *, task_id: str = "") -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, started_at=timezone.now(), task_id=task_id)


def job_progress(job_id: int, done: int, total: int | None, *, min_interval: float = 0.5) -> None:
    now = time.monotonic()
    if now - _last_write.get(job_id, 0.0) < min_interval:
        return
    _last_write[job_id] = now
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id).update(**fields)


def job_finish(job_id: int, *, summary: dict, errors: list, failed: bool = False) -> None:
    _last_write.pop(job_id, None)
    processed = sum(int(summary.get(k, 0)) for k in ("created", "existing", "failed"))
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED if failed else JobStatus.SUCCEEDED,
        summary=summary,
        errors=errors,
        done=processed,
        total=Greatest(F("total"), processed),
        finished_at=timezone.now(),
    )


@transaction.atomic
def job_cancel(*, job: Job, user) -> Job:
    """queued or running -> cancelled, at once, for scoring jobs; returns the job as it now is.

    The workers notice within one slice of images (see mlworker.tasks.gpu); chunks still queued
    exit without scoring. Predictions already stored stay. 409 when the job already finished, or
    when every chunk is scored and it is finishing (ranking refresh): cancelling then saves nothing.
    The status change is a conditional UPDATE under the row lock, so it races safely with the
    finaliser's `scoring_finish` (also conditional): exactly one of them wins.
    """
    from annotations.services.scoring import scoring_finishing

    job = Job.objects.select_for_update(of=("self",)).select_related("dataset").get(pk=job.pk)
    if job.kind not in CANCELLABLE_KINDS:
        raise InvalidInputError(
            f"{job.get_kind_display()} jobs cannot be cancelled; only scoring jobs can.",
            code="not_cancellable",
        )
    if job.status not in ACTIVE_JOB_STATUSES:
        raise ConflictError(
            f"Job #{job.pk} already {job.status}; there is nothing to cancel.", code="job_finished"
        )
    if job.status == JobStatus.RUNNING and scoring_finishing(job):
        raise ConflictError(
            f"Every image of job #{job.pk} is scored and it is finishing (re-ranking); "
            "it can no longer be cancelled.",
            code="job_finishing",
        )
    before = {"status": job.status, "done": job.done, "total": job.total}
    Job.objects.filter(pk=job.pk, status__in=ACTIVE_JOB_STATUSES).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    audit_record(
        actor=user,
        action="job.cancel",
        obj=job,
        dataset=job.dataset,
        before=before,
        after={"status": job.status, "kind": job.kind},
    )
    return job
