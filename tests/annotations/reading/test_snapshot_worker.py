"""A snapshot built by a real Celery worker process (Redis broker in CI): the task is registered
with the worker, writes the files once, and the API serves them byte for byte."""

import hashlib
import time

import pytest

from annotations.models import LabelSetSnapshot
from tests.annotations.reading.conftest import enqueue, labels, make_images, read_item

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_builds_the_snapshot(celery_worker, settings, make_team):
    settings.ARBITER_EXPORT_DIR = celery_worker.var_dir / "exports"
    team = make_team("google4", readers_per_item=1)
    enqueue(team, make_images(team.dataset, 2))
    for _ in range(2):
        read_item(team, team.readers[0], {"labels": labels(team.dataset, Fracture="positive")})
    r = team.c(team.admin).post(f"/api/v1/datasets/{team.dataset.pk}/label-sets/", {})
    assert r.status_code == 202 and r.json()["status"] == "building"
    deadline = time.monotonic() + 90
    while (snap := LabelSetSnapshot.objects.get(pk=r.json()["id"])).status == "building":
        assert time.monotonic() < deadline, celery_worker.log()[-2000:]
        time.sleep(0.3)
    assert snap.status == "ready", (snap.error, celery_worker.log()[-2000:])
    assert snap.label_count == 8 and snap.row_count == 2
    got = team.c(team.exporter).get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/{snap.number}/download/")
    assert hashlib.sha256(b"".join(got.streaming_content)).hexdigest() == snap.csv_sha256
