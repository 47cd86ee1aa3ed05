"""Which real services this run has: PostgreSQL, Redis. In CI their absence is an error."""

import os

import pytest
from django.conf import settings


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def redis_url() -> str | None:
    return os.environ.get("ARBITER_TEST_REDIS_URL") or None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_ci_services() -> None:
    if not in_ci():
        return
    problems = []
    if not is_postgres():
        problems.append("DATABASE_URL must point at PostgreSQL")
    if not redis_url():
        problems.append("ARBITER_TEST_REDIS_URL must point at Redis")
    if problems:
        pytest.exit("CI needs its real services: " + "; ".join(problems), returncode=3)


def needs_postgres() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not is_postgres() and not in_ci(), reason="needs PostgreSQL (DATABASE_URL)")
