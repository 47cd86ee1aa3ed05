"""Hostile-input tests reuse the reading protocol's fixtures (teams with token clients, eager Celery)."""

from tests.annotations.reading.conftest import _fast_passwords, make_team  # noqa: F401
