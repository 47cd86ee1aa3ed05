"""A scoring job whose worker died: what the reaper does for it (registered in learning.hooks).

A stale scoring job keeps its chunk plan: the chunks a dead worker had claimed are sent again (a
chunk's own claim makes a duplicate harmless), or the finaliser when every chunk is done; chunks
merely waiting in a busy queue cost nothing. A chunk whose own beat is stale is sent again even
while other chunks of its job still run on live workers (`scoring_dead_chunks_reap`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

from annotations.models import Job
from annotations.models.choices import JobKind, JobStatus
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.lifecycle import claim_alive_here, stale_cutoff, stale_q, stale_seconds
from annotations.services.jobs.reaper import fail_lost, job_send, max_attempts, queued_resend_seconds
from learning.services.scoring.jobs import scoring_plan

log = logging.getLogger(__name__)


def scoring_recover(job: Job, cutoff, now, counts: dict[str, int]) -> None:
    """A stale scoring job: re-send the chunks a dead worker had claimed (their beats are in the
    summary), or the finaliser when every chunk is done; each counts as an attempt. With no chunk
    claimed and some left, its chunks wait in a busy queue: nothing is lost, and only after
    ARBITER_JOB_QUEUED_RESEND_SECONDS of silence is the remaining plan sent again (no attempt)."""
    summary = job.summary or {}
    done = summary.get("done_chunks", {})
    claimed = [n for n in summary.get("chunk_beats", {}) if n not in done]
    finishing = bool(summary.get("bounds")) and len(done) >= int(summary.get("chunks", 0))
    silent = (now - (job.heartbeat_at or job.started_at or now)).total_seconds()
    if not claimed and not finishing and silent < queued_resend_seconds():
        return
    counted = bool(claimed) or finishing
    if counted and job.attempts >= max_attempts():
        counts["failed"] += fail_lost(job, cutoff, now)
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
                    task_send("learning.score_chunk", model_version, plan[n], job.pk, n)
        else:  # the finaliser, or the whole remaining plan
            job_send(job)
    except Exception:  # broker down: the next pass finds the job stale again
        log.warning("scoring job %s could not be re-sent now; retried later", job.pk, exc_info=True)
    counts["requeued"] += 1


def _resend_dead_chunks(job: Job, now, counts: dict[str, int]) -> None:
    """A scoring job still beating (other chunks run on live workers) may hold a chunk whose own
    worker died: its beat is stale and its process gone. Send that chunk again now (an attempt),
    rather than when the whole job goes quiet."""
    cutoff = (now - timedelta(seconds=stale_seconds())).timestamp()

    def dead(summary: dict) -> list[int]:
        done = summary.get("done_chunks", {})
        return sorted(
            int(n)
            for n, beat in summary.get("chunk_beats", {}).items()
            if n not in done and beat and float(beat[1]) < cutoff and not claim_alive_here(beat[0])
        )

    if not dead(job.summary or {}) or job.attempts >= max_attempts():
        return  # (out of attempts: the job is failed once it goes quiet, by scoring_recover)
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
                task_send("learning.score_chunk", job.params.get("model_version"), plan[n], job.pk, n)
    except Exception:
        log.warning("scoring job %s: chunks could not be re-sent now", job.pk, exc_info=True)
    counts["requeued"] += 1


def scoring_dead_chunks_reap(now) -> int:
    """One reaper pass over scoring jobs still beating: re-send chunks whose own worker died."""
    counts = {"requeued": 0, "failed": 0}
    beating = Job.objects.filter(kind=JobKind.SCORING, status=JobStatus.RUNNING).exclude(
        stale_q(stale_cutoff(now))
    )
    for job in beating.filter(summary__has_key="chunk_beats"):
        _resend_dead_chunks(job, now, counts)
    return counts["requeued"]
