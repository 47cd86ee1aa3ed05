"""The reaper: no job stays running (or queued) without a live worker.

`jobs_reap()` runs every ARBITER_REAPER_SECONDS in every worker process (a timer thread, so the
embedded default has one too; see annotations.reaper) and from Celery beat in production. It is
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
  queued); the claim in annotations.services.job_lifecycle makes the duplicate a no-op. A scoring
  job with no chunk claimed for as long gets its remaining chunks sent again the same way.
* Training runs whose heartbeat stopped are failed (or cancelled, if a cancel was asked) by
  `training_runs_reap`, with the same staleness.
* Upload folders nothing needs any more are removed (annotations.services.uploads.uploads_sweep).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.models import Job, LabelSetSnapshot
from annotations.models.choices import JobKind, JobStatus
from annotations.services.audit import audit_record
from annotations.services.job_endings import job_ended
from annotations.services.job_lifecycle import claim_alive_here, stale_cutoff, stale_q, stale_seconds
from annotations.services.scoring import scoring_plan

log = logging.getLogger(__name__)

REQUEUED_KINDS = (
    JobKind.IMPORT,
    JobKind.NLP,
    JobKind.QC,
    JobKind.EXPORT,
    JobKind.RANKING,
    JobKind.INDEX,
    JobKind.PACS,
)


def max_attempts() -> int:
    return int(getattr(settings, "ARBITER_JOB_MAX_ATTEMPTS", 3))


def queued_resend_seconds() -> float:
    return float(getattr(settings, "ARBITER_JOB_QUEUED_RESEND_SECONDS", 90))


def job_send(job: Job) -> bool:
    """Send the job's task (again); False when the job cannot be sent (its kind has no task here, or
    what it works on is gone)."""
    if job.kind == JobKind.IMPORT:
        from annotations.tasks import import_job

        import_job.delay(job.pk)
    elif job.kind == JobKind.NLP:
        from mlworker.tasks.nlp import label_dataset_reports

        label_dataset_reports.delay(job.pk)
    elif job.kind == JobKind.QC:
        from mlworker.tasks.qc import run_qc

        run_qc.delay(job.dataset_id, job.pk)
    elif job.kind == JobKind.RANKING:
        from mlworker.tasks.learning import refresh_ranking

        refresh_ranking.delay(job.pk)
    elif job.kind == JobKind.EXPORT:
        from annotations.export_tasks import build_snapshot

        snapshot_id = LabelSetSnapshot.objects.filter(job=job).values_list("pk", flat=True).first()
        if snapshot_id is None:
            return False
        build_snapshot.delay(snapshot_id)
    elif job.kind == JobKind.PACS:
        from annotations.pacs_tasks import EXPORT, pacs_send_labels_job, pacs_sync_source

        if not job.params.get("source"):
            return False
        if job.params.get("direction") == EXPORT:
            pacs_send_labels_job.delay(job.pk)
        else:
            pacs_sync_source.delay(job.params["source"], job.pk)
    elif job.kind == JobKind.INDEX:
        from mlworker.retrieval_tasks import build_retrieval_index

        if not job.params.get("model_version"):
            return False
        build_retrieval_index.delay(job.params["model_version"], job.pk)
    elif job.kind == JobKind.SCORING:
        from mlworker.tasks.gpu import score_dataset

        if not job.params.get("model_version"):
            return False
        score_dataset.delay(job.params["model_version"], job.pk)
    else:
        return False
    return True


def _recover_scoring(job: Job, cutoff, now, counts: dict[str, int]) -> None:
    """A stale scoring job: re-send the chunks a dead worker had claimed (their beats are in the
    summary), or the finaliser when every chunk is done; each counts as an attempt. With no chunk
    claimed and some left, its chunks wait in a busy queue: nothing is lost, and only after
    ARBITER_JOB_QUEUED_RESEND_SECONDS of silence is the remaining plan sent again (no attempt)."""
    from mlworker.tasks.gpu import score_chunk

    summary = job.summary or {}
    done = summary.get("done_chunks", {})
    claimed = [n for n in summary.get("chunk_beats", {}) if n not in done]
    finishing = bool(summary.get("bounds")) and len(done) >= int(summary.get("chunks", 0))
    silent = (now - (job.heartbeat_at or job.started_at or now)).total_seconds()
    if not claimed and not finishing and silent < queued_resend_seconds():
        return
    counted = bool(claimed) or finishing
    if counted and job.attempts >= max_attempts():
        counts["failed"] += _fail_lost(job, cutoff, now)
        return
    with transaction.atomic():
        locked = (
            Job.objects.select_for_update()
            .filter(stale_q(cutoff), pk=job.pk, status=JobStatus.RUNNING)
            .first()
        )
        if locked is None:
            return  # another reaper got there first, or a chunk beat after all
        beats = locked.summary.get("chunk_beats", {})
        lost = sorted(int(n) for n in beats if n not in locked.summary.get("done_chunks", {}))
        for n in lost:  # the re-sent chunk claims afresh
            beats.pop(str(n))
        locked.heartbeat_at = now
        locked.attempts += int(counted)
        locked.save(update_fields=["summary", "heartbeat_at", "attempts"])
    model_version = job.params.get("model_version")
    log.warning(
        "scoring job %s: worker lost; re-sending chunks %s (attempt %s)", job.pk, lost, locked.attempts
    )
    try:
        if lost:
            plan = dict(scoring_plan(job.pk) or [])
            for n in lost:
                if n in plan:
                    score_chunk.delay(model_version, plan[n], job.pk, n)
        else:  # the finaliser, or the whole remaining plan
            job_send(job)
    except Exception:  # broker down: the next pass finds the job stale again
        log.warning("scoring job %s could not be re-sent now; retried later", job.pk, exc_info=True)
    counts["requeued"] += 1


def _resend_dead_chunks(job: Job, now, counts: dict[str, int]) -> None:
    """A scoring job still beating (other chunks run on live workers) may hold a chunk whose own
    worker died: its beat is stale and its process gone. Send that chunk again now (an attempt),
    rather than when the whole job goes quiet."""
    from mlworker.tasks.gpu import score_chunk

    cutoff = (now - timedelta(seconds=stale_seconds())).timestamp()

    def dead(summary: dict) -> list[int]:
        done = summary.get("done_chunks", {})
        return sorted(
            int(n)
            for n, beat in summary.get("chunk_beats", {}).items()
            if n not in done and beat and float(beat[1]) < cutoff and not claim_alive_here(beat[0])
        )

    if not dead(job.summary or {}) or job.attempts >= max_attempts():
        return  # (out of attempts: the job is failed once it goes quiet, by _recover_scoring)
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk, status=JobStatus.RUNNING).first()
        lost = dead(locked.summary) if locked is not None else []
        if not lost:
            return
        for n in lost:
            locked.summary["chunk_beats"].pop(str(n))
        locked.attempts += 1
        locked.save(update_fields=["summary", "attempts"])
    log.warning(
        "scoring job %s: chunks %s lost their worker; re-sent (attempt %s)", job.pk, lost, locked.attempts
    )
    try:
        plan = dict(scoring_plan(job.pk) or [])
        for n in lost:
            if n in plan:
                score_chunk.delay(job.params.get("model_version"), plan[n], job.pk, n)
    except Exception:
        log.warning("scoring job %s: chunks could not be re-sent now", job.pk, exc_info=True)
    counts["requeued"] += 1


def _fail_lost(job: Job, cutoff, now) -> bool:
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
    if job.kind == JobKind.SCORING:
        tokens += [beat[0] for beat in (job.summary or {}).get("chunk_beats", {}).values() if beat]
    return any(claim_alive_here(t) for t in tokens)


def _recover(job: Job, cutoff, now, counts: dict[str, int]) -> None:
    if _alive_here(job, now):
        log.info("job %s: heartbeat late but its worker process is alive; left alone", job.pk)
        return
    if job.kind == JobKind.SCORING:  # the plan and the recorded chunks stay; the job stays running
        _recover_scoring(job, cutoff, now, counts)
        return
    if job.kind not in REQUEUED_KINDS or job.attempts >= max_attempts():
        counts["failed"] += _fail_lost(job, cutoff, now)
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
        counts["failed"] += _fail_lost(job, now + timedelta(seconds=1), now)
        return
    counts["requeued"] += 1


def jobs_reap(*, now=None) -> dict[str, int]:
    """One pass of the reaper (see module); returns what it did."""
    from annotations.services.training import training_runs_reap
    from annotations.services.uploads import uploads_sweep

    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0, "training": 0, "uploads": 0}
    cutoff = stale_cutoff(now)
    for job in Job.objects.filter(stale_q(cutoff), status=JobStatus.RUNNING).select_related("dataset"):
        _recover(job, cutoff, now, counts)
    beating = Job.objects.filter(kind=JobKind.SCORING, status=JobStatus.RUNNING).exclude(stale_q(cutoff))
    for job in beating.filter(summary__has_key="chunk_beats"):
        _resend_dead_chunks(job, now, counts)

    since = now - timedelta(seconds=queued_resend_seconds())
    waiting = Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, created_at__lt=since)
    for job in Job.objects.filter(waiting, status=JobStatus.QUEUED):
        if Job.objects.filter(waiting, pk=job.pk, status=JobStatus.QUEUED).update(heartbeat_at=now):
            try:
                counts["resent"] += job_send(job)
            except Exception:
                log.warning("queued job %s could not be re-sent; retried later", job.pk, exc_info=True)

    counts["training"] = training_runs_reap(older_than=timedelta(seconds=stale_seconds()))
    try:
        counts["uploads"] = uploads_sweep(now=now)
    except OSError:
        log.warning("upload sweep failed", exc_info=True)
    if any(v for k, v in counts.items() if k != "uploads"):
        log.info("reaper: %s", counts)
    return counts
