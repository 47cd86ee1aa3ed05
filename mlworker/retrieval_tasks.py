"""Celery tasks that build the similar-case indexes (thin: annotations.services.retrieval_index).

`build_retrieval_index(model_version_id)`: build or rebuild one model version's index; run it
after a version's embeddings are stored and when a version is promoted (a retired version's
index is deleted instead). Idempotent: a rerun writes a new generation of the same index.
`refresh_retrieval_indexes()`: periodic; rebuilds production indexes that new adjudications
have made stale (they stay correct meanwhile: unindexed images are searched exactly).
"""

from celery import shared_task

from annotations.services.retrieval_index import retrieval_index_build, retrieval_indexes_stale


@shared_task(bind=True, acks_late=True)
def build_retrieval_index(self, model_version_id: int) -> dict:
    return retrieval_index_build(model_version_id)


@shared_task(acks_late=True)
def refresh_retrieval_indexes() -> list[dict]:
    return [retrieval_index_build(mv_id) for mv_id in retrieval_indexes_stale()]
