"""Scoring a dataset with a model version: the job, its chunk plan, and the fan-in of the chunks.

`scoring_start` creates a Job(kind=scoring) and, on commit, queues
`learning.tasks.scoring_chunks.score_dataset`, which splits the images into chunks (`scoring_plan`) and runs
one `score_chunk` task per chunk (a Celery group on the `gpu` queue), so several workers share one
dataset. There is no chord: the fan-in lives in the Job row. Each chunk records itself done under
a row lock (`scoring_chunk_done`; a set keyed by chunk number, so a redelivered chunk counts once);
the chunk that sees every chunk done queues the finaliser, which claims the job's completion with a
conditional UPDATE (`scoring_finish`), so it happens exactly once however many times it is queued.
This needs no result backend (the embedded default has none), survives a worker killed at any
point (acks_late redelivery reruns an idempotent step) and cannot over-count a chunk delivered
twice, unlike a chord counter.

Cancelling (`annotations.services.jobs.records.job_cancel`) sets the job `cancelled` with a conditional
UPDATE. Nothing here ever moves a cancelled job on: the plan of a cancelled job is None (no fan-out),
a chunk checks the job before it starts and between its slices of images and stops early
(`scoring_stopped`), `scoring_chunk_done` still records what a chunk stored but never reports the
set complete (so no finaliser: no ranking refresh, no index build), and `scoring_finish` and
`scoring_fail` only touch a running (or queued) job. What was stored before the cancel (predictions,
embeddings, model labels) stays: it is valid output of the model, and a later scoring job upserts
over it.

A worker lost mid-chunk (SIGKILL, out of memory) is noticed by its heartbeat: a chunk claims itself
(`scoring_chunk_claim`: a token and a time in `chunk_beats`) and a thread refreshes that and the
job's `heartbeat_at` while it runs (`scoring_chunk_beat`). The job reaper sends `score_dataset` again
for a running job whose heartbeat went stale; the plan then re-sends the chunks not recorded done,
and a chunk claimed by a live worker or done already is skipped, so a duplicate is harmless.

Job.summary while it runs: {"model_version", "chunks": n, "bounds": [[first id, last id], ...],
"done_chunks": {"3": {"scored": n, "failed": n, "decoded": n, "seconds": s}},
"chunk_beats": {"4": [token, unix time]}, ...}; done/total count images. Finished: totals (scored,
failed, decoded), per-chunk detail dropped.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import Image, Job
from annotations.models.choices import FINISHED_JOB_STATUSES, JobKind, JobStatus, ModelStatus
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.lifecycle import stale_seconds
from annotations.services.jobs.records import job_create
from learning.models import ModelVersion
from learning.services.models.kinds import FINDING_KINDS
from learning.services.models.weights import model_weights_path

SCORABLE_KINDS: tuple[str, ...] = FINDING_KINDS
DEFAULT_CHUNK = 2048
MAX_ERRORS = 1000
PROGRESS_INTERVAL = 2.0

_last_progress: dict[tuple[int, int], float] = {}


def scoring_start(
    *,
    model_version: ModelVersion,
    user=None,
    image_ids: list[int] | None = None,
    chunk_size: int | None = None,
    dispatch: bool = True,
) -> Job:
    """Queue scoring of the version's dataset (every image, or `image_ids`); returns the job to poll.

    dispatch=False creates the job without queueing it (the caller sends `score_dataset` itself, e.g.
    to a particular broker).
    """
    if model_version.kind not in SCORABLE_KINDS:
        raise InvalidInputError(
            f"{model_version.version_tag} is a {model_version.kind} model; scoring runs "
            f"{', '.join(SCORABLE_KINDS)} models (detectors run in QC)",
            code="not_scorable",
        )
    if model_version.status == ModelStatus.RETIRED:
        raise InvalidInputError(f"{model_version.version_tag} is retired", code="retired_model")
    if not model_weights_path(model_version).is_file():
        raise InvalidInputError(
            f"the weights file of {model_version.version_tag} is missing on this server", code="no_weights"
        )
    if chunk_size is not None and chunk_size < 1:
        raise InvalidInputError("chunk_size must be at least 1")
    wanted = None
    if image_ids is not None:
        wanted = sorted({int(i) for i in image_ids})
        found = set(
            Image.objects.filter(dataset_id=model_version.dataset_id, pk__in=wanted).values_list(
                "pk", flat=True
            )
        )
        if missing := [i for i in wanted if i not in found]:
            raise NotFoundError(
                f"{len(missing)} image id(s) are not in this dataset", detail={"missing": missing[:50]}
            )
    job = job_create(
        kind=JobKind.SCORING,
        dataset=model_version.dataset,
        created_by=user,
        params={
            "model_version": model_version.pk,
            "version_tag": model_version.version_tag,
            "image_ids": wanted,
            "chunk_size": chunk_size or DEFAULT_CHUNK,
        },
    )
    audit_record(
        actor=user,
        action="scoring.start",
        obj=job,
        dataset=model_version.dataset,
        after={"model_version": model_version.pk, "images": len(wanted) if wanted is not None else "all"},
    )
    if dispatch:
        transaction.on_commit(lambda: task_send("learning.score_dataset", model_version.pk, job.pk))
    return job


def _image_ids(job: Job) -> list[int]:
    wanted = job.params.get("image_ids")
    qs = Image.objects.filter(dataset_id=job.dataset_id)
    if wanted is not None:
        qs = qs.filter(pk__in=wanted)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def scoring_plan(job_id: int, *, task_id: str = "") -> list[tuple[int, list[int]]] | None:
    """The job's chunks still to score, as (chunk number, image ids); None when the job is finished.

    The first call fixes the plan as id ranges in the job; a redelivered call rebuilds the same
    chunks from them (so chunk numbers always mean the same images) and leaves out finished ones.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status in FINISHED_JOB_STATUSES:  # finished or cancelled: nothing to fan out
            return None
        ids = _image_ids(job)
        bounds = job.summary.get("bounds")
        if bounds is None:
            size = int(job.params.get("chunk_size") or DEFAULT_CHUNK)
            chunks = [ids[lo : lo + size] for lo in range(0, len(ids), size)]
            bounds = [[c[0], c[-1]] for c in chunks]
            job.summary = {
                "model_version": job.params.get("model_version"),
                "chunks": len(chunks),
                "bounds": bounds,
                "done_chunks": {},
            }
            job.total = len(ids)
            job.done = 0
            job.status = JobStatus.RUNNING
            job.started_at = job.heartbeat_at = timezone.now()
            job.task_id = task_id
            job.save(
                update_fields=["summary", "total", "done", "status", "started_at", "heartbeat_at", "task_id"]
            )
            return list(enumerate(chunks))
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["heartbeat_at"])
        finished = job.summary.get("done_chunks", {})
    return [
        (n, [i for i in ids if lo <= i <= hi]) for n, (lo, hi) in enumerate(bounds) if str(n) not in finished
    ]


def scoring_chunk_claim(job_id: int, chunk: int, token: str) -> bool:
    """Claim the chunk for the worker holding `token`: False when it is done, the job is not running,
    or another worker holds it with a fresh beat (a duplicate delivery)."""
    return _chunk_beat(job_id, chunk, token, claim=True)


def scoring_chunk_beat(job_id: int, chunk: int, token: str) -> bool:
    """The chunk's heartbeat (and the job's); False once the job is not running or the chunk is not
    ours any more (the heartbeat thread then stops)."""
    return _chunk_beat(job_id, chunk, token, claim=False)


def scoring_chunk_release(job_id: int, chunk: int, token: str) -> None:
    """Give the chunk's claim back (its task ended without recording it done: an error, a retry)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        beats = job.summary.get("chunk_beats", {}) if job is not None else {}
        if beats.get(str(chunk), [None])[0] == token:
            beats.pop(str(chunk))
            job.save(update_fields=["summary"])


def _chunk_beat(job_id: int, chunk: int, token: str, *, claim: bool) -> bool:
    now = time.time()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != JobStatus.RUNNING:
            return False
        if str(chunk) in job.summary.get("done_chunks", {}):
            return False
        beats = job.summary.setdefault("chunk_beats", {})
        held = beats.get(str(chunk))
        mine = held is not None and held[0] == token
        if not mine and (not claim or (held is not None and now - float(held[1]) < stale_seconds())):
            return False
        beats[str(chunk)] = [token, now]
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["summary", "heartbeat_at"])
    return True


def scoring_stopped(job_id: int) -> bool:
    """Whether a chunk of this job should stop now: the job was cancelled (or is gone, or over)."""
    status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
    return status != JobStatus.RUNNING


def scoring_finishing(job: Job) -> bool:
    """Whether every chunk of the (running) job is recorded done: the finaliser is queued or running
    (ranking refresh, index build) and the job is about to succeed; too late to cancel."""
    chunks = job.summary.get("chunks")
    return chunks is not None and len(job.summary.get("done_chunks", {})) >= int(chunks)


def scoring_all_chunks_done(job_id: int) -> bool:
    job = Job.objects.filter(pk=job_id).values("status", "summary").first()
    if job is None or job["status"] != JobStatus.RUNNING:
        return False
    return len(job["summary"].get("done_chunks", {})) >= int(job["summary"].get("chunks", 0))


def scoring_chunk_progress(job_id: int, chunk: int, done: int) -> None:
    """Throttled progress of one running chunk (done images of it), folded into Job.done."""
    now = time.monotonic()
    if now - _last_progress.get((job_id, chunk), 0.0) < PROGRESS_INTERVAL:
        return
    _last_progress[(job_id, chunk)] = now
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=JobStatus.RUNNING).first()
        if job is None:
            return
        running = job.summary.setdefault("running_chunks", {})
        if str(chunk) in job.summary.get("done_chunks", {}):
            return
        running[str(chunk)] = done
        job.done = _images_done(job.summary)
        job.save(update_fields=["summary", "done"])


def _images_done(summary: dict) -> int:
    finished = summary.get("done_chunks", {})
    return sum(c["scored"] + c["failed"] for c in finished.values()) + sum(
        v for k, v in summary.get("running_chunks", {}).items() if k not in finished
    )


def scoring_chunk_stopped(job_id: int, chunk: int, *, done: int) -> None:
    """A chunk of a cancelled job stopped early after `done` of its images: fold them into Job.done."""
    _last_progress.pop((job_id, chunk), None)
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id, status=JobStatus.CANCELLED).first()
        if job is None or str(chunk) in job.summary.get("done_chunks", {}):
            return
        job.summary.setdefault("running_chunks", {})[str(chunk)] = done
        job.summary.get("chunk_beats", {}).pop(str(chunk), None)
        job.done = _images_done(job.summary)
        job.save(update_fields=["summary", "done"])


def scoring_chunk_done(
    job_id: int, chunk: int, *, scored: int, failed: int, decoded: int, seconds: float, errors: list[dict]
) -> bool:
    """Record chunk `chunk` as finished (idempotent); True when every chunk of the job is done.

    A chunk that finishes after its job was cancelled is still recorded (Job.done then counts what
    was stored), but never completes the set: False, so no finaliser runs for a cancelled job.
    """
    _last_progress.pop((job_id, chunk), None)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status not in (JobStatus.RUNNING, JobStatus.CANCELLED):
            return False
        done = job.summary.setdefault("done_chunks", {})
        done[str(chunk)] = {
            "scored": scored,
            "failed": failed,
            "decoded": decoded,
            "seconds": round(seconds, 3),
        }
        job.summary.get("running_chunks", {}).pop(str(chunk), None)
        job.summary.get("chunk_beats", {}).pop(str(chunk), None)
        job.done = _images_done(job.summary)
        if errors and len(job.errors) < MAX_ERRORS:
            known = {(e.get("file"), e.get("code")) for e in job.errors}
            job.errors = job.errors + [e for e in errors if (e.get("file"), e.get("code")) not in known]
            job.errors = job.errors[:MAX_ERRORS]
        job.save(update_fields=["summary", "done", "errors"])
        return job.status == JobStatus.RUNNING and len(done) >= int(job.summary.get("chunks", 0))


def scoring_finish(job_id: int, *, extra: dict | None = None) -> bool:
    """Mark the job finished once (True for the caller that did): succeeded, with the images that
    could not be scored listed in Job.errors, or failed when none could be scored. Only a running
    job: the conditional UPDATE loses to a cancel that got there first (False, job stays cancelled)."""
    job = Job.objects.get(pk=job_id)
    if job.status != JobStatus.RUNNING:
        return False
    chunks = job.summary.get("done_chunks", {})
    totals = {k: sum(int(c.get(k, 0)) for c in chunks.values()) for k in ("scored", "failed", "decoded")}
    failed = totals["scored"] == 0 and totals["failed"] > 0
    summary = {
        "model_version": job.summary.get("model_version"),
        "chunks": job.summary.get("chunks", 0),
        **totals,
        "created": totals["scored"],
        "failed": totals["failed"],
        "seconds": round(sum(float(c.get("seconds", 0)) for c in chunks.values()), 3),
        **(extra or {}),
    }
    n = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED if failed else JobStatus.SUCCEEDED,
        summary=summary,
        done=totals["scored"] + totals["failed"],
        finished_at=timezone.now(),
    )
    return n == 1


def scoring_fail(job_id: int, message: str) -> None:
    """End a job that cannot run at all (no model file, no images ...); a finished or cancelled job
    is left as it is."""
    Job.objects.filter(pk=job_id).exclude(status__in=FINISHED_JOB_STATUSES).update(
        status=JobStatus.FAILED,
        errors=[{"file": "", "code": "scoring_failed", "message": message}],
        finished_at=timezone.now(),
    )
