"""Celery tasks of the domain; importing this package registers them all (autodiscovery).

Each task has an explicit name (`annotations.<task>`), so moving a file never renames a task.
"""

from annotations.tasks import exports, imports, pacs, reaper  # noqa: F401
