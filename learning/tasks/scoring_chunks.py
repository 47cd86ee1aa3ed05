"""Model scoring on the `gpu` queue (CPU fallback): a dataset fans out into chunks, one task each.

`score_dataset(model_version_id, job_id)` fixes the job's chunk plan and sends one
`score_chunk(model_version_id, image_ids, job_id, chunk)` per chunk as a Celery group, so every GPU
worker takes a share of one dataset. The fan-in is the Job row (see learning.services.scoring.jobs):
the chunk that completes the set queues `learning.tasks.scoring_finalise.score_finalise` on the default
queue. Every step is idempotent (predictions are upserts, chunk completion is a set), so acks_late
redelivery after a killed worker is harmless.

Cancelling (annotations.services.jobs.records.job_cancel) is polled, as training's is: `score_dataset`
does not fan out for a cancelled job, and `score_chunk` checks the job before it starts and before
each sub-batch of its images (`learning.services.scoring.chunk.score_images`' `should_stop`: four inference
batches, 1024 images on a GPU, 256 on the CPU), then stops early. Each sub-batch's predictions and
embeddings are stored before the next check, and what was stored stays.
"""

import contextlib
import logging

from celery import group, shared_task
from django.db import InterfaceError, OperationalError

from annotations.errors import DomainError
from annotations.services.jobs.lifecycle import beating, claim_token
from learning.models import ModelVersion
from learning.services.scoring.chunk import ScoredImages, score_images
from learning.services.scoring.jobs import (
    scoring_all_chunks_done,
    scoring_chunk_beat,
    scoring_chunk_claim,
    scoring_chunk_done,
    scoring_chunk_progress,
    scoring_chunk_release,
    scoring_chunk_stopped,
    scoring_fail,
    scoring_plan,
    scoring_stopped,
)
from ml.nets.errors import ModelError

log = logging.getLogger(__name__)


@shared_task(name="learning.score_dataset", bind=True, acks_late=True)
def score_dataset(self, model_version_id: int, job_id: int) -> dict:
    from learning.tasks.scoring_finalise import score_finalise

    if not ModelVersion.objects.filter(pk=model_version_id).exists():
        scoring_fail(job_id, f"model version {model_version_id} no longer exists")
        return {"status": "failed"}
    chunks = scoring_plan(job_id, task_id=self.request.id or "")
    if chunks is None:  # finished, or cancelled before it started: no fan-out
        return {"status": "finished"}
    if not chunks:  # nothing (left) to score
        score_finalise.delay(model_version_id, job_id)
        return {"chunks": 0}
    group(score_chunk.s(model_version_id, ids, job_id, n) for n, ids in chunks).apply_async()
    return {"chunks": len(chunks)}


@shared_task(
    name="learning.score_chunk",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def score_chunk(self, model_version_id: int, image_ids: list[int], job_id: int, chunk: int = 0) -> dict:
    from learning.tasks.scoring_finalise import score_finalise

    token = claim_token()
    if not scoring_chunk_claim(job_id, chunk, token):  # done, job not running, or a live worker has it
        if scoring_all_chunks_done(job_id):  # redelivered after recording, before queueing the finaliser
            score_finalise.delay(model_version_id, job_id)
        return {
            "chunk": chunk,
            "status": "cancelled" if scoring_stopped(job_id) else "already done",
        }
    # A thread beats for the chunk (and the job) while it scores: only a dead worker goes silent.
    try:
        with beating(lambda: scoring_chunk_beat(job_id, chunk, token), name=f"job-{job_id}-chunk-{chunk}"):
            return _score_chunk(model_version_id, image_ids, job_id, chunk)
    finally:
        with contextlib.suppress(OperationalError, InterfaceError):  # a retry may claim it at once
            scoring_chunk_release(job_id, chunk, token)


def _score_chunk(model_version_id: int, image_ids: list[int], job_id: int, chunk: int) -> dict:
    from learning.tasks.scoring_finalise import score_finalise

    errors: list[dict] = []
    try:
        model_version = ModelVersion.objects.select_related("dataset__schema").get(pk=model_version_id)
        result = score_images(
            model_version,
            image_ids,
            progress=lambda done: scoring_chunk_progress(job_id, chunk, done),
            should_stop=lambda: scoring_stopped(job_id),
        )
        errors = [
            {"file": f"image {image_id}", "code": "pixels_unavailable", "message": message}
            for image_id, message in result.failed
        ]
    except (ModelVersion.DoesNotExist, DomainError, ModelError) as exc:
        log.error("scoring chunk %s of job %s failed: %s", chunk, job_id, exc)
        result = ScoredImages(failed=[(i, str(exc)) for i in image_ids])
        errors = [
            {"file": f"chunk {chunk}", "code": getattr(exc, "code", "model_error"), "message": str(exc)}
        ]
    if result.stopped:
        scoring_chunk_stopped(job_id, chunk, done=result.scored + len(result.failed))
        log.info("scoring chunk %s of job %s stopped: the job was cancelled", chunk, job_id)
        return {"chunk": chunk, "status": "cancelled", "scored": result.scored, "failed": len(result.failed)}
    all_done = scoring_chunk_done(
        job_id,
        chunk,
        scored=result.scored,
        failed=len(result.failed),
        decoded=result.decoded,
        seconds=result.seconds,
        errors=errors,
    )
    if all_done:
        score_finalise.delay(model_version_id, job_id)
    return {"chunk": chunk, "scored": result.scored, "failed": len(result.failed), "device": result.device}
