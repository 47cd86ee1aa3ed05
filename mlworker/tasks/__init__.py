"""Celery tasks of the ML worker; importing this package registers them all (autodiscovery)."""

from mlworker.tasks import nlp  # noqa: F401
