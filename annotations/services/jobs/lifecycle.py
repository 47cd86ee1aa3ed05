"""The one lifecycle of a background job on a worker: claim, heartbeat, progress, cancel check, finish.

Every task that runs a Job goes through it::

    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:                      # finished, cancelled, or alive on another worker
        return {"job": job_id, "skipped": True}
    with run:                            # heartbeat thread; an exception ends the job failed, with its cause
        for batch in batches:
            run.check_cancelled()        # raises JobStopped once an admin cancelled (or the job was reaped)
            ...
            run.progress(done, total)
        run.finish(summary=..., errors=...)
    return run.result

`job_claim` moves a queued job to running under a fresh claim token with one conditional UPDATE, or
takes over a running job whose heartbeat is stale (its worker died: a broker redelivery), so two
workers never run one job. While the block runs, a daemon thread refreshes `heartbeat_at` every
ARBITER_JOB_HEARTBEAT_SECONDS; every write (beat, progress, finish) is conditional on the job still
running under this claim, so a cancel (status `cancelled`, set at once by the API) or a takeover by
another worker is noticed at the next beat and nothing this worker writes afterwards overwrites it.
The reaper (annotations.services.jobs.reaper) re-queues or fails jobs whose heartbeat stopped.

Leaving the block by an exception ends the job: `JobStopped` quietly (it is already cancelled),
an OSError as failed with the cause named (disk full, permission, I/O), a DomainError or ValueError
as failed with its message, anything else as failed with the exception's type (and logged).

Inside a transaction (an eager task in a test or a request) no thread runs (it could not see the
uncommitted job); progress calls beat inline instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations.errors import DomainError
from annotations.io_errors import describe_os_error
from annotations.models import Job
from annotations.models.choices import JobStatus
from annotations.services.jobs.heartbeat import Heartbeat
from ml.nets.errors import ModelError

log = logging.getLogger(__name__)

MAX_ERRORS = 1000


def heartbeat_seconds() -> float:
    return float(getattr(settings, "ARBITER_JOB_HEARTBEAT_SECONDS", 10))


def stale_seconds() -> float:
    return float(getattr(settings, "ARBITER_JOB_STALE_SECONDS", 60))


def stale_cutoff(now=None):
    return (now or timezone.now()) - timedelta(seconds=stale_seconds())


def stale_q(cutoff) -> Q:
    """Jobs whose heartbeat stopped before `cutoff` (or that never beat and started before it)."""
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _host_tag() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def claim_token() -> str:
    """A new claim token (32 characters): this host's tag, this process's id, then random."""
    return f"{_host_tag()}{os.getpid() & 0xFFFFFFFF:08x}{uuid.uuid4().hex[:18]}"


def claim_alive_here(token: str) -> bool:
    """Whether the claim belongs to a process that is still alive on this host: its heartbeat is only
    late (a loaded machine, a database lock), the worker is not lost. Never true for another host."""
    if len(token) != 32 or token[:6] != _host_tag():
        return False
    try:
        pid = int(token[6:14], 16)
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def beating(beat: Callable[[], bool], *, name: str) -> contextlib.AbstractContextManager:
    """Call `beat` every ARBITER_JOB_HEARTBEAT_SECONDS on a thread while the block runs, so only a
    dead worker goes silent; nothing inside a transaction (the thread could not see uncommitted rows:
    the caller beats between batches instead). The one heartbeat of every worker-side lifecycle:
    JobRun's, a scoring chunk's, a training run's, `job_pulse`."""
    if connection.in_atomic_block:
        return contextlib.nullcontext()
    return Heartbeat(beat, heartbeat_seconds(), name=name)


def job_pulse(job_id: int) -> contextlib.AbstractContextManager:
    """A heartbeat for a running job whose work is not claimed by one task (a scoring job's plan or
    finaliser): refreshes `heartbeat_at` while the block runs (nothing inside a transaction)."""

    def beat() -> bool:
        return bool(
            Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        )

    return beating(beat, name=f"job-{job_id}-pulse")


class JobStopped(Exception):
    """The job must end now: an admin cancelled it, or another worker took it over."""


def job_claim(job_id: int, *, task_id: str = "") -> JobRun | None:
    """Claim the job for this worker; None when there is nothing to run (see module)."""
    token = claim_token()
    now = timezone.now()
    fields: dict[str, Any] = {"status": JobStatus.RUNNING, "claim": token, "heartbeat_at": now}
    if task_id:
        fields["task_id"] = task_id
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(started_at=now, **fields)
    if not claimed:  # a redelivery: take over only from a worker that is gone
        stale = Job.objects.filter(stale_q(stale_cutoff(now)), pk=job_id, status=JobStatus.RUNNING)
        held = stale.values_list("claim", flat=True).first()
        if held is None or claim_alive_here(held):
            return None
        claimed = stale.filter(claim=held).update(attempts=F("attempts") + 1, **fields)
    if not claimed:
        return None
    job = Job.objects.select_related("dataset").get(pk=job_id)
    log.info("job %s (%s) claimed by %s", job_id, job.kind, worker_name())
    return JobRun(job, token)


class JobRun:
    """A claimed, running job: heartbeat, progress, cancel check, finish (see module)."""

    def __init__(self, job: Job, token: str, *, progress_interval: float = 0.5) -> None:
        self.job = job
        self.job_id = job.pk
        self.token = token
        self.result: dict[str, Any] = {}
        self.ended = False
        self._progress_interval = progress_interval
        self._last_progress = 0.0
        self._last_check = time.monotonic()
        self._stopped = False
        self._heartbeat: Heartbeat | None = None

    # -- the claim -------------------------------------------------------------------------------
    def _mine(self):
        return Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, claim=self.token)

    def beat(self) -> bool:
        """Refresh the heartbeat; False (and the run is stopped) when the job is no longer ours."""
        if not self._mine().update(heartbeat_at=timezone.now()):
            self._stopped = True
        self._last_check = time.monotonic()
        return not self._stopped

    @property
    def cancelled(self) -> bool:
        """Whether the job must stop (cancelled or taken over); cheap: reads the heartbeat's finding,
        or the database at most once a heartbeat interval when no heartbeat thread runs."""
        if self._heartbeat is not None:
            return self._stopped or self._heartbeat.stopped.is_set()
        if not self._stopped and time.monotonic() - self._last_check >= heartbeat_seconds():
            self.beat()
        return self._stopped

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise JobStopped(f"job {self.job_id} was cancelled or taken over")

    def progress(self, done: int, total: int | None = None) -> None:
        """Throttled progress (done of total); also a heartbeat."""
        now = time.monotonic()
        if now - self._last_progress < self._progress_interval:
            return
        self._last_progress = now
        fields: dict[str, Any] = {"done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        if not self._mine().update(**fields):
            self._stopped = True
        self._last_check = now

    # -- the end ---------------------------------------------------------------------------------
    def finish(
        self, *, summary: dict, errors: list, done: int | None = None, total: int | None = None
    ) -> bool:
        """Succeeded with `summary` (counts) and per-item `errors`. False when the job was cancelled
        meanwhile: it stays cancelled, with this summary recorded beside it."""
        processed = sum(int(summary.get(k, 0)) for k in ("created", "existing", "failed"))
        done = processed if done is None else done
        fields: dict[str, Any] = {
            "summary": summary,
            "errors": errors[:MAX_ERRORS],
            "done": done,
            "total": Greatest(F("total"), done) if total is None else total,
        }
        self.ended = True
        self.result = summary
        now = timezone.now()
        if self._mine().update(status=JobStatus.SUCCEEDED, finished_at=now, heartbeat_at=now, **fields):
            return True
        Job.objects.filter(pk=self.job_id, status=JobStatus.CANCELLED, claim=self.token).update(**fields)
        return False

    def fail(
        self, message: str, *, code: str = "failed", errors: list | None = None, summary: dict | None = None
    ) -> bool:
        """Failed, with the cause first in the job's errors."""
        self.ended = True
        self.result = {"status": "failed", "error": message}
        entry = {"file": "", "code": code, "message": message}
        now = timezone.now()
        return bool(
            self._mine().update(
                status=JobStatus.FAILED,
                errors=[entry, *(errors or [])][:MAX_ERRORS],
                summary=summary if summary is not None else self.job.summary,
                finished_at=now,
                heartbeat_at=now,
            )
        )

    def release(self) -> bool:
        """Give the job back to the queue (a retry of the task will claim it again), keeping nothing
        of this run's progress; the block then ends without touching the job."""
        self.ended = True
        self.result = {"status": "queued"}
        return bool(self._mine().update(status=JobStatus.QUEUED, claim="", heartbeat_at=timezone.now()))

    # -- the block -------------------------------------------------------------------------------
    def __enter__(self) -> JobRun:
        if not connection.in_atomic_block:
            self._heartbeat = Heartbeat(self.beat, heartbeat_seconds(), name=f"job-{self.job_id}-heartbeat")
            self._heartbeat.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        if exc is None:
            if not self.ended:  # the body forgot to finish: never leave it running
                self.fail("The task ended without reporting a result.", code="no_result")
            return False
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: the worker is going away
            return False
        if isinstance(exc, JobStopped):
            log.info("job %s stopped: cancelled or taken over", self.job_id)
            self.result = {"status": "cancelled"}
            return True
        if isinstance(exc, OSError):
            failure = describe_os_error(exc, doing=f"running this {self.job.get_kind_display().lower()} job")
            log.warning("job %s failed: %s (errno %s)", self.job_id, failure.code, exc.errno)
            self.fail(failure.message, code=failure.code)
        elif isinstance(exc, DomainError | ValueError | ModelError):
            log.warning("job %s failed: %s", self.job_id, exc)
            self.fail(str(exc), code=getattr(exc, "code", "invalid"))
        else:
            log.exception("job %s failed", self.job_id)
            self.fail(f"{type(exc).__name__}: {exc}"[:2000], code="internal_error")
        return True
