"""Background jobs: create, report progress, finish with a summary. Progress writes are throttled."""

import time

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations.models import Job
from annotations.models.choices import JobStatus

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
