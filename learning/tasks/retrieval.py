"""Celery tasks that build the similar-case indexes (thin: learning.services.retrieval_index).

`build_retrieval_index(model_version_id, job_id=None)`: build or rebuild one model version's index
(a Job with a heartbeat when `job_id` is given, as after scoring); run it
after a version's embeddings are stored and when a version is promoted (a retired version's
index is deleted instead). Idempotent: a rerun writes a new generation of the same index.
`refresh_retrieval_indexes()`: periodic; rebuilds production indexes that new adjudications
have made stale (they stay correct meanwhile: unindexed images are searched exactly).
"""

from celery import shared_task

from annotations.services.jobs.lifecycle import job_claim
from learning.services.retrieval_index import retrieval_index_build, retrieval_indexes_stale


@shared_task(name="learning.build_retrieval_index", bind=True, acks_late=True)
def build_retrieval_index(self, model_version_id: int, job_id: int | None = None) -> dict:
    """With `job_id` (learning.services.retrieval_index.retrieval_index_job_start), through the
    job lifecycle: claimed, beating while it builds, re-queued by the reaper if its worker dies
    (a rebuild is idempotent), cancellable (a build cancelled mid-way still saves its generation,
    which is as valid as the one before)."""
    if job_id is None:
        return retrieval_index_build(model_version_id)
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or building on a live worker
        return {"job": job_id, "skipped": True}
    with run:
        result = retrieval_index_build(model_version_id)
        if result.get("status") == "failed":
            run.fail(str(result.get("error", "")), code="index_failed", summary=result)
        else:
            size = int(result.get("size", 0))
            run.finish(summary={**result, "created": size}, errors=[], done=size, total=size)
    return run.result


@shared_task(name="learning.refresh_retrieval_indexes", acks_late=True)
def refresh_retrieval_indexes() -> list[dict]:
    return [retrieval_index_build(mv_id) for mv_id in retrieval_indexes_stale()]
