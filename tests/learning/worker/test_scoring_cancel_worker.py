"""Cancelling scoring on a real worker process over a private Redis: the admin cancels mid-dataset,
the job ends `cancelled` with only part of the dataset scored, the chunks still queued exit without
scoring, nothing crashes, and the same worker then runs the next scoring job to success."""

import shutil

import pytest

from annotations.models import Image, Job
from learning.models import Prediction
from learning.services.scoring.jobs import scoring_start
from learning.tasks.scoring_chunks import score_dataset
from tests.faults.brokers import publish, start_scoring_worker, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def send(job: Job, broker: str) -> None:
    publish(score_dataset, job.params["model_version"], job.pk, broker=broker, queue=None)


def test_cancel_mid_dataset_on_a_real_worker(nih, chexnet, admin_client, private_redis, tmp_path):
    n = nih.images.count()
    job = scoring_start(model_version=chexnet, chunk_size=1, dispatch=False)  # one task per image
    send(job, private_redis.url)
    worker = start_scoring_worker(private_redis.url, tmp_path / "w", ready_timeout=60)
    try:
        stored = Prediction.objects.filter(model_version=chexnet)
        wait_for(
            lambda: stored.count() >= 3, timeout=60, interval=0.02, what=f"scoring\n{worker.log()[-2000:]}"
        )
        r = admin_client(nih).post(f"/api/v1/jobs/{job.pk}/cancel/")
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "cancelled"
        at_cancel = stored.count()

        redis = private_redis.client()
        wait_for(  # every queued chunk taken and acknowledged
            lambda: redis.llen("gpu") == 0 and redis.llen("default") == 0 and redis.hlen("unacked") == 0,
            timeout=30,
            interval=0.1,
            what=f"the queued chunks to drain\n{worker.log()[-2000:]}",
        )
        job.refresh_from_db()
        scored = stored.count()
        assert job.status == "cancelled"
        assert scored <= at_cancel + 1 < n + 1  # at most the chunk in hand when it was cancelled
        assert scored < n
        assert job.done == scored and job.total == n
        assert "ranking" not in job.summary and "scored" not in job.summary  # never finalised

        # The worker is still usable: the next scoring job runs to the end.
        rest = list(
            Image.objects.filter(dataset=nih)
            .exclude(predictions__model_version=chexnet)
            .values_list("pk", flat=True)
        )
        nxt = scoring_start(model_version=chexnet, image_ids=rest[:4], chunk_size=2, dispatch=False)
        send(nxt, private_redis.url)
        wait_for(lambda: Job.objects.get(pk=nxt.pk).status not in ("queued", "running"), timeout=30,
                 interval=0.1, what=f"the next job\n{worker.log()[-2000:]}")  # fmt: skip
        nxt.refresh_from_db()
        assert nxt.status == "succeeded", nxt.errors
        assert stored.count() == scored + 4
        assert worker.proc.poll() is None
        log = worker.log()
        assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
        assert "stopped: the job was cancelled" in log or "'status': 'cancelled'" in log
    finally:
        worker.stop()
    job.refresh_from_db()
    assert job.status == "cancelled"
