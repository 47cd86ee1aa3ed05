"""Scoring on real worker processes over a private Redis (never the machine's shared one): a worker
SIGKILLed in the middle of a dataset loses nothing. The chunk it was running is redelivered
(acks_late, a short visibility timeout) to a second worker, which also takes the chunks still queued;
the rows end complete and unique and the job finishes exactly once."""

import shutil
import time

import pytest

from annotations.models import Job
from learning.models import Prediction
from learning.services.scoring.jobs import scoring_start
from learning.tasks.scoring_chunks import score_dataset
from tests.faults.brokers import publish, start_scoring_worker, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

VISIBILITY_TIMEOUT = 5


def test_worker_killed_mid_scoring_loses_nothing(nih, chexnet, private_redis, tmp_path):
    n = nih.images.count()
    # One task per image, so the kill lands mid-way; sent only to this test's own broker (a session
    # worker on the shared one must not take it).
    job = scoring_start(model_version=chexnet, chunk_size=1, dispatch=False)
    publish(
        score_dataset,
        chexnet.pk,
        job.pk,
        broker=private_redis.url,
        visibility_timeout=VISIBILITY_TIMEOUT,
        queue=None,
    )

    first = start_scoring_worker(private_redis.url, tmp_path / "w1", visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        redis = private_redis.client()
        stored = Prediction.objects.filter(model_version=chexnet)
        wait_for(  # mid-dataset, with a chunk in hand (delivered, not yet acknowledged)
            lambda: stored.count() >= 3 and redis.hlen("unacked") == 1,
            timeout=120,
            interval=0.02,
            what=f"scoring to start\n{first.log()[-2000:]}",
        )
        first.kill()
    finally:
        first.stop()
    stored_when_killed = Prediction.objects.filter(model_version=chexnet).count()
    assert 3 <= stored_when_killed < n, "the kill must land mid-dataset"
    assert Job.objects.get(pk=job.pk).status == "running"
    assert private_redis.client().hlen("unacked") == 1  # the chunk it was running, never acknowledged

    time.sleep(VISIBILITY_TIMEOUT + 1)  # the unacked chunk is due for redelivery when the next worker starts
    second = start_scoring_worker(private_redis.url, tmp_path / "w2", visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        # The job ends, and the killed worker's unacknowledged chunk does not stay in the broker: the
        # reaper may re-send the lost chunk before the visibility timeout restores the original, which
        # the second worker then takes and drops (its chunk is already scored).
        wait_for(lambda: Job.objects.get(pk=job.pk).status != "running"
                 and private_redis.client().hlen("unacked") == 0, timeout=180, interval=0.3,
                 what=f"redelivery and the rest\n{second.log()[-3000:]}")  # fmt: skip
    finally:
        second.stop()
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert private_redis.client().hlen("unacked") == 0
    preds = Prediction.objects.filter(model_version=chexnet)
    assert preds.count() == n == len(set(preds.values_list("image_id", flat=True)))
    assert all(p.embedding and len(p.probabilities) == 14 for p in preds)
    assert (job.summary["scored"], job.summary["failed"], job.summary["chunks"]) == (n, 0, n)
    assert (job.done, job.total) == (n, n)
