"""Shared fixtures: isolated media per test, users with roles, the synthetic cohort, a real Celery worker.

With CI=true, PostgreSQL must be the database and Redis must be reachable: their absence fails the run.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.support.services import require_ci_services


def pytest_configure(config: pytest.Config) -> None:
    require_ci_services()


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ARBITER_RENDER_CACHE_DIR = tmp_path / "render-cache"
    settings.ARBITER_PREPROCESS_CACHE_DIR = tmp_path / "preprocess-cache"
    settings.ARBITER_MODEL_DIR = tmp_path / "models"
    settings.ARBITER_EXPORT_DIR = tmp_path / "exports"
    # Login-failure counters and throttle history are per test, never carried into the next one.
    cache.clear()


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run Celery tasks in the calling process (imports, NLP, snapshots...) for this test."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def private_redis(tmp_path: Path):
    """A Redis server of this test's own, on a free port (never the machine's shared one)."""
    from tests.faults.brokers import start_redis

    server = start_redis(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, *, staff: bool = False, password: str = "pw-arbiter-1"):
        User = get_user_model()
        user = User.objects.create_user(
            username=username or f"user{next(counter)}", password=password, is_staff=staff
        )
        return user

    return make


@pytest.fixture(scope="session")
def cohort_dir(tmp_path_factory) -> Path:
    """The default synthetic cohort, generated once per test session (seed 0)."""
    from synthetic.cohort import CohortConfig, generate_cohort

    out = tmp_path_factory.mktemp("cohort")
    generate_cohort(out, CohortConfig(seed=0))
    return out


@pytest.fixture(scope="session")
def small_cohort_dir(tmp_path_factory) -> Path:
    """A small cohort for importer tests."""
    from synthetic.cohort import CohortConfig, generate_cohort

    out = tmp_path_factory.mktemp("small-cohort")
    generate_cohort(out, CohortConfig(seed=1, n_cxr_patients=12, n_oct_patients=4, n_pediatric=4))
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
    if os.environ.get("ARBITER_SKIP_E2E") == "1":
        skip = pytest.mark.skip(reason="ARBITER_SKIP_E2E=1")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test database (Redis broker where there is one)."""
    from tests.support.worker import start_worker

    with django_db_blocker.unblock():
        worker = start_worker()
    yield worker
    worker.stop()
