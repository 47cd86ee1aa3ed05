"""WSGI entry for `make run` (gunicorn --preload): the static files are collected and the URL map and
every view module (DRF, the ML core they reach) imported once in gunicorn's master, before it forks
the workers, so no newcomer's first request pays for those imports (about 10 s) in each worker.

Collecting the static files here, in the process that serves them, lets `make run` build the web UI
at the same time as it migrates and sets up the demo (scripts/run.sh) without a third Django start;
it must come before the WSGI handler exists, since WhiteNoise lists the files when it is created."""

import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)

from django.urls import get_resolver  # noqa: E402

from config.wsgi import application  # noqa: E402

get_resolver().url_patterns  # noqa: B018  (resolving the patterns imports config.urls and the views)

__all__ = ["application"]
