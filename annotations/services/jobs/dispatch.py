"""Queueing a Celery task by its name.

Services start background work through `task_send` and never import a task module: tasks import
services (they are thin wrappers around them), so the reverse import would be a circle. The domain
starts learning's tasks the same way, by name, without importing learning. Every task has an
explicit name (`annotations.<task>`, `learning.<task>`); its queue comes from
the routes by name in config.celery.
"""

from __future__ import annotations

from celery import current_app


def task_send(name: str, *args, **options) -> None:
    """Queue the registered task `name` with positional `args` (`options` as for `apply_async`:
    countdown, queue, ...). Eager where Celery runs tasks eagerly (tests), like `.delay`."""
    task_registered(name).apply_async(args, **options)


def task_registered(name: str):
    """The task `name`, importing the apps' task modules first where this process has not yet (a web
    process: only a worker imports them at start)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # runs the apps' task autodiscovery
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"no Celery task named {name!r} is registered") from None
