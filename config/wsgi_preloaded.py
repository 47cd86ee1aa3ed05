"""WSGI entry for `make run` (gunicorn --preload): the URL map and every view module (DRF, the ML
core they reach) are imported once in gunicorn's master, before it forks the workers, so no
newcomer's first request pays for those imports (about 10 s) in each worker."""

from django.urls import get_resolver

from config.wsgi import application

get_resolver().url_patterns  # noqa: B018  (resolving the patterns imports config.urls and the views)

__all__ = ["application"]
