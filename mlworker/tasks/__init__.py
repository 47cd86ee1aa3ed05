"""Celery tasks of the ML worker; importing this package registers them all (autodiscovery)."""

from mlworker import retrieval_tasks  # noqa: F401
from mlworker.tasks import bootstrap, gpu, nlp, qc, scoring  # noqa: F401
