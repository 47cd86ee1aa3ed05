"""Celery tasks of learning; importing this package registers them all (autodiscovery).

Every task has an explicit name (`learning.<task>`); the GPU ones are routed to the `gpu` queue by
that name (config.celery.GPU_TASKS), never by the file they live in. The domain sends these by name.
"""

from learning.tasks import (  # noqa: F401
    bootstrap,
    nlp,
    qc,
    ranking,
    retrieval,
    scoring_chunks,
    scoring_finalise,
    training,
)
