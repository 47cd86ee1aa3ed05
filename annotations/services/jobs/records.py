"""Background jobs: create, report progress, finish with a summary, cancel. Progress writes are throttled.

Workers run jobs through annotations.services.jobs.lifecycle (claim, heartbeat, cancel check,
finish); `job_start` / `job_progress` / `job_finish` remain for code that reports on a job it did
not claim (the snapshot build), and like the lifecycle they never move a job that has ended:
every write is conditional on the job being queued or running.

`job_cancel` cancels every kind of job at once: the status becomes `cancelled` in one conditional
UPDATE, so nothing a worker writes afterwards (beat, progress, finish: all conditional on
`running`) can undo it; the worker notices at its next heartbeat or cancel check and stops. A
scoring job re-reads the job row between slices of images (see learning.services.scoring.jobs).
"""

import time

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations import hooks
from annotations.errors import ConflictError
from annotations.models import Job
from annotations.models.choices import ACTIVE_JOB_STATUSES, JobStatus
from annotations.services.audit import audit_record

_last_write: dict[int, float] = {}


def job_create(*, kind: str, dataset=None, params: dict | None = None, created_by=None) -> Job:
    return Job.objects.create(
        kind=kind,
        dataset=dataset,
        params=params or {},
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )


def job_start(job_id: int, *, task_id: str = "") -> None:
    """queued -> running (a job already running under a claim keeps it; an ended one is left)."""
    now = timezone.now()
    fields = {"task_id": task_id} if task_id else {}
    Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, **fields
    )


def job_progress(job_id: int, done: int, total: int | None, *, min_interval: float = 0.5) -> None:
    now = time.monotonic()
    if now - _last_write.get(job_id, 0.0) < min_interval:
        return
    _last_write[job_id] = now
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**fields)


def job_finish(job_id: int, *, summary: dict, errors: list, failed: bool = False) -> None:
    _last_write.pop(job_id, None)
    processed = sum(int(summary.get(k, 0)) for k in ("created", "existing", "failed"))
    Job.objects.filter(pk=job_id, status__in=ACTIVE_JOB_STATUSES).update(
        status=JobStatus.FAILED if failed else JobStatus.SUCCEEDED,
        summary=summary,
        errors=errors,
        done=processed,
        total=Greatest(F("total"), processed),
        finished_at=timezone.now(),
    )
    from annotations.services.jobs.endings import job_ended

    job_ended(job_id)


@transaction.atomic
def job_cancel(*, job: Job, user) -> Job:
    """queued or running -> cancelled, at once, for every kind; returns the job as it now is.

    A worker still running it notices at its next heartbeat or cancel check and stops; a job whose
    worker is gone is simply over. What was stored before the cancel stays (imported images,
    labels, predictions: each valid on its own). Scoring workers notice within one slice of images
    (see learning.tasks.scoring_chunks); chunks still queued exit without scoring. 409 when the job already
    finished, or when every chunk of a scoring job is scored and it is finishing (ranking refresh):
    cancelling then saves nothing. The status change is a conditional UPDATE under the row lock, so
    it races safely with the worker's conditional finish: exactly one of them wins.
    """
    job = Job.objects.select_for_update(of=("self",)).select_related("dataset").get(pk=job.pk)
    if job.status not in ACTIVE_JOB_STATUSES:
        raise ConflictError(
            f"Job #{job.pk} already {job.status}; there is nothing to cancel.", code="job_finished"
        )
    blocker = hooks.job_cancel_blocker(job.kind)
    if job.status == JobStatus.RUNNING and blocker is not None and (why := blocker(job)):
        raise ConflictError(why, code="job_finishing")
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
    from annotations.services.jobs.endings import job_ended

    transaction.on_commit(lambda: job_ended(job.pk))
    return job
