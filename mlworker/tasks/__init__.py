"""Celery tasks of the ML worker; importing this package registers them all (autodiscovery)."""

from mlworker import retrieval_tasks  # noqa: F401
from mlworker.tasks import bootstrap, gpu, gpu_training, learning, nlp, qc, scoring  # noqa: F401
