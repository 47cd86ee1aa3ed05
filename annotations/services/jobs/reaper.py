"""The reaper: no job stays running (or queued) without a live worker.

`jobs_reap()` runs every ARBITER_REAPER_SECONDS in every worker process (a timer thread, so the
embedded default has one too; see annotations.tasks.reaper) and from Celery beat in production. It is
safe to run from many places at once: every change is a conditional UPDATE that one caller wins.

* A running job whose heartbeat is older than ARBITER_JOB_STALE_SECONDS lost its worker (SIGKILL,
  out of memory, machine lost; a live worker beats every ARBITER_JOB_HEARTBEAT_SECONDS, even inside
  a long call). Idempotent kinds (import, NLP, QC, export, ranking, index build, PACS sync) go back to
  `queued` and their task is sent again: the rerun skips what was stored. A scoring job keeps its
  chunk plan; the chunks a dead worker had claimed are sent again (a chunk's own claim makes a
  duplicate harmless), or the finaliser when all are done; chunks merely waiting in a busy queue
  cost nothing. A chunk whose own beat is stale is sent again even while other chunks of its job
  still run on live workers. After ARBITER_JOB_MAX_ATTEMPTS such losses the job fails with the reason ("worker
  lost"), as does a kind the reaper cannot re-send.
* A queued job whose task was sent more than ARBITER_JOB_QUEUED_RESEND_SECONDS (90) ago is sent
  again (a message lost with a worker killed between fetching it and claiming the job: the
  filesystem broker deletes a message when it is fetched; a broker that was down when it was
  queued); the claim in annotations.services.jobs.lifecycle makes the duplicate a no-op. A scoring
  job with no chunk claimed for as long gets its remaining chunks sent again the same way.
* Training runs whose heartbeat stopped are failed (or cancelled, if a cancel was asked) by
  `training_runs_reap`, with the same staleness.
* Upload folders nothing needs any more are removed (annotations.ingest.uploads.uploads_sweep,
  a reaper pass registered with annotations.hooks like learning's passes).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from annotations import hooks
from annotations.models import Job, LabelSetSnapshot
from annotations.models.choices import PACS_EXPORT, JobKind, JobStatus
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.endings import job_ended
from annotations.services.jobs.lifecycle import claim_alive_here, stale_cutoff, stale_q, stale_seconds

log = logging.getLogger(__name__)

# The domain's own idempotent kinds; other apps' kinds are re-queued when they registered a sender.
REQUEUED_KINDS = (JobKind.IMPORT, JobKind.EXPORT, JobKind.PACS)


def requeueable(kind: str) -> bool:
    return kind in REQUEUED_KINDS or hooks.job_sender(kind) is not None


def max_attempts() -> int:
    return int(getattr(settings, "ARBITER_JOB_MAX_ATTEMPTS", 3))


def queued_resend_seconds() -> float:
    return float(getattr(settings, "ARBITER_JOB_QUEUED_RESEND_SECONDS", 90))


def job_send(job: Job) -> bool:
    """Send the job's task (again); False when the job cannot be sent (its kind has no task here, or
    what it works on is gone). Kinds the domain does not own are sent by the app that registered
    them (annotations.hooks)."""
    if job.kind == JobKind.IMPORT:
        task_send("annotations.import_job", job.pk)
    elif job.kind == JobKind.EXPORT:
        snapshot_id = LabelSetSnapshot.objects.filter(job=job).values_list("pk", flat=True).first()
        if snapshot_id is None:
            return False
        task_send("annotations.build_snapshot", snapshot_id)
    elif job.kind == JobKind.PACS:
        if not job.params.get("source"):
            return False
        if job.params.get("direction") == PACS_EXPORT:
            task_send("annotations.pacs_send_labels_job", job.pk)
        else:
            task_send("annotations.pacs_sync_source", job.params["source"], job.pk)
    elif (send := hooks.job_sender(job.kind)) is not None:
        return send(job)
    else:
        return False
    return True


def fail_lost(job: Job, cutoff, now) -> bool:
    seconds = (now - (job.heartbeat_at or job.started_at or now)).total_seconds()
    message = (
        f"The worker running this job stopped responding (no heartbeat for {seconds:.0f} s: killed, "
        f"out of memory or lost) and it was re-queued {job.attempts} time(s) already; start it again "
        "once the worker problem is fixed. What was stored before stays."
        if job.attempts
        else f"The worker running this job stopped responding (no heartbeat for {seconds:.0f} s: "
        "killed, out of memory or lost). What was stored before stays; start it again."
    )
    entry = {"file": "", "code": "worker_lost", "message": message}
    n = Job.objects.filter(stale_q(cutoff), pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, errors=[entry, *job.errors][:1000], finished_at=now, claim=""
    )
    if n:
        log.warning("job %s (%s) failed: worker lost", job.pk, job.kind)
        audit_record(
            actor=None,
            action="job.reaped",
            obj=job,
            dataset=job.dataset,
            before={"status": JobStatus.RUNNING, "heartbeat_at": str(job.heartbeat_at)},
            after={"status": JobStatus.FAILED, "reason": "worker_lost"},
        )
        job_ended(job.pk)
    return bool(n)


def _alive_here(job: Job, now) -> bool:
    """The job's worker process is alive on this host (its heartbeat is late, not lost), unless it
    has been silent for ten times the stale time (a stuck process, or its pid reused)."""
    silent = (now - (job.heartbeat_at or job.started_at or now)).total_seconds()
    if silent > 10 * stale_seconds():
        return False
    tokens = [job.claim] if job.claim else []
    # A job split into chunks (scoring) records each chunk's claim in its summary.
    tokens += [beat[0] for beat in (job.summary or {}).get("chunk_beats", {}).values() if beat]
    return any(claim_alive_here(t) for t in tokens)


def _recover(job: Job, cutoff, now, counts: dict[str, int]) -> None:
    if _alive_here(job, now):
        log.info("job %s: heartbeat late but its worker process is alive; left alone", job.pk)
        return
    if (recover := hooks.job_recoverer(job.kind)) is not None:  # e.g. scoring keeps its chunk plan
        recover(job, cutoff, now, counts)
        return
    if not requeueable(job.kind) or job.attempts >= max_attempts():
        counts["failed"] += fail_lost(job, cutoff, now)
        return
    stale = Job.objects.filter(stale_q(cutoff), pk=job.pk, status=JobStatus.RUNNING)
    n = stale.update(status=JobStatus.QUEUED, claim="", heartbeat_at=now, attempts=F("attempts") + 1)
    if not n:
        return  # another reaper got there first, or the worker beat after all
    log.warning("job %s (%s): worker lost; re-queued (attempt %s)", job.pk, job.kind, job.attempts + 1)
    try:
        sent = job_send(job)
    except Exception:  # broker down: the queued-resend rule sends it later
        log.warning("job %s could not be re-sent now; retried later", job.pk, exc_info=True)
        sent = True
    if not sent:
        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=job.started_at)
        counts["failed"] += fail_lost(job, now + timedelta(seconds=1), now)
        return
    counts["requeued"] += 1


def jobs_reap(*, now=None) -> dict[str, int]:
    """One pass of the reaper (see module); returns what it did."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0, "training": 0, "uploads": 0}
    cutoff = stale_cutoff(now)
    for job in Job.objects.filter(stale_q(cutoff), status=JobStatus.RUNNING).select_related("dataset"):
        _recover(job, cutoff, now, counts)

    since = now - timedelta(seconds=queued_resend_seconds())
    waiting = Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, created_at__lt=since)
    for job in Job.objects.filter(waiting, status=JobStatus.QUEUED):
        if Job.objects.filter(waiting, pk=job.pk, status=JobStatus.QUEUED).update(heartbeat_at=now):
            try:
                counts["resent"] += job_send(job)
            except Exception:
                log.warning("queued job %s could not be re-sent; retried later", job.pk, exc_info=True)

    for name, reap in hooks.reap_passes().items():  # registered by learning: training runs, dead chunks
        counts[name] = counts.get(name, 0) + reap(now)
    if any(v for k, v in counts.items() if k != "uploads"):
        log.info("reaper: %s", counts)
    return counts
