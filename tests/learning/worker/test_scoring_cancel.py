"""Cancelling a scoring job (POST /api/v1/jobs/{id}/cancel/, `job_cancel`): queued and running jobs
stop, what was stored stays, and nothing that runs late (a redelivered chunk, a late finaliser,
`scoring_finish`, `scoring_fail`, a redelivered `score_dataset`) scores more or turns the job
succeeded or failed; a promotion's re-scoring that is cancelled does not re-rank, and the next one
works."""

import threading
import time

import pytest
from django.db import connection

import learning.services.scoring.chunk as scoring_core
from annotations.errors import ConflictError
from annotations.models import AuditEvent, Image, Job
from annotations.models.choices import ModelKind
from annotations.services.jobs.records import job_cancel, job_create
from learning.models import Prediction, RankingScore
from learning.services.registry.versions import model_promote
from learning.services.scoring.jobs import (
    scoring_chunk_done,
    scoring_fail,
    scoring_finish,
    scoring_plan,
    scoring_start,
)
from learning.tasks.scoring_chunks import score_chunk, score_dataset
from learning.tasks.scoring_finalise import score_finalise
from tests.learning.worker.conftest import register_tiny


def cancel(client, job_id):
    return client.post(f"/api/v1/jobs/{job_id}/cancel/")


def stored(mv) -> int:
    return Prediction.objects.filter(model_version=mv).count()


def test_cancel_a_running_job_stops_it_and_nothing_late_moves_it_on(nih, chexnet, admin_client, eager_celery):
    n = nih.images.count()
    job = scoring_start(model_version=chexnet, chunk_size=9, dispatch=False)
    plan = scoring_plan(job.pk)
    assert [len(ids) for _, ids in plan] == [9, 9, 9]
    score_chunk(chexnet.pk, plan[0][1], job.pk, 0)  # one chunk scored before the cancel
    assert stored(chexnet) == 9

    client = admin_client(nih)
    r = cancel(client, job.pk)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["id"], body["status"], body["done"], body["total"]) == (job.pk, "cancelled", 9, n)
    assert body["finished_at"]
    event = AuditEvent.objects.get(action="job.cancel", object_id=str(job.pk))
    assert event.before["status"] == "running" and event.after["status"] == "cancelled"

    # A chunk redelivered (or still queued) after the cancel scores nothing.
    assert score_chunk(chexnet.pk, plan[1][1], job.pk, 1)["status"] == "cancelled"
    assert score_chunk(chexnet.pk, plan[0][1], job.pk, 0)["status"] == "cancelled"
    assert stored(chexnet) == 9  # what was stored before the cancel stays
    # A redelivered score_dataset does not fan out again; late finishers change nothing.
    assert score_dataset(chexnet.pk, job.pk) == {"status": "finished"}
    assert scoring_plan(job.pk) is None
    assert scoring_chunk_done(job.pk, 2, scored=9, failed=0, decoded=9, seconds=1.0, errors=[]) is False
    assert scoring_finish(job.pk) is False
    scoring_fail(job.pk, "late failure")
    assert score_finalise(chexnet.pk, job.pk) == {"status": "already finished"}
    job.refresh_from_db()
    assert job.status == "cancelled" and job.errors == []
    assert stored(chexnet) == 9
    assert not RankingScore.objects.filter(dataset=nih).exists()  # the finaliser never re-ranked

    r = cancel(client, job.pk)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "job_finished"
    assert "already cancelled" in r.json()["error"]["message"]


def test_cancel_a_queued_job_means_it_never_fans_out(nih, chexnet, eager_celery, make_user):
    job = scoring_start(model_version=chexnet, chunk_size=5, dispatch=False)
    job = job_cancel(job=job, user=make_user("canceller"))
    assert job.status == "cancelled"
    assert score_dataset(chexnet.pk, job.pk) == {"status": "finished"}
    job.refresh_from_db()
    assert (job.status, job.total, job.summary) == ("cancelled", 0, {})
    assert stored(chexnet) == 0


def test_finished_or_finishing_jobs_refuse_cancel_and_a_finish_after_cancel_loses(nih, chexnet, make_user):
    user = make_user("canceller")
    job = scoring_start(model_version=chexnet, chunk_size=27, dispatch=False)
    scoring_plan(job.pk)
    # Every chunk recorded: the finaliser is on its way, too late to cancel.
    assert scoring_chunk_done(job.pk, 0, scored=27, failed=0, decoded=27, seconds=1.0, errors=[])
    with pytest.raises(ConflictError, match="finishing"):
        job_cancel(job=job, user=user)
    assert scoring_finish(job.pk)
    with pytest.raises(ConflictError, match="already succeeded"):
        job_cancel(job=job, user=user)
    assert Job.objects.get(pk=job.pk).status == "succeeded"

    # The other order: cancel first, then the last chunk and a late scoring_finish.
    job = scoring_start(model_version=chexnet, chunk_size=27, dispatch=False)
    scoring_plan(job.pk)
    job_cancel(job=job, user=user)
    assert scoring_chunk_done(job.pk, 0, scored=27, failed=0, decoded=27, seconds=1.0, errors=[]) is False
    assert scoring_finish(job.pk) is False
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert job.done == 27  # what the late chunk stored is counted
    assert AuditEvent.objects.filter(action="job.cancel").count() == 1


def test_cancel_api_roles_unknown_ids_and_other_kinds(nih, chexnet, admin_client, oct_dataset):
    job = scoring_start(model_version=chexnet, dispatch=False)
    r = cancel(admin_client(nih, role="radiologist"), job.pk)
    assert r.status_code == 403
    assert cancel(admin_client(oct_dataset), job.pk).status_code == 404  # not a member of nih
    admin = admin_client(nih)
    assert cancel(admin, 10**6).status_code == 404
    assert cancel(admin, "abc").status_code == 404
    assert cancel(admin, "9" * 30).status_code == 404
    assert cancel(admin, "%C2%B2").status_code == 404  # "²" is a digit to str.isdigit, not to int()
    assert Job.objects.get(pk=job.pk).status == "queued"

    # Every kind can be cancelled now (issue #19): the job lifecycle makes every worker notice.
    nlp = job_create(kind="nlp", dataset=nih)
    r = cancel(admin, nlp.pk)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert Job.objects.get(pk=nlp.pk).status == "cancelled"
    assert AuditEvent.objects.filter(action="job.cancel", object_id=str(nlp.pk)).exists()
    assert cancel(admin, nlp.pk).json()["error"]["code"] == "job_finished"

    schema = admin.get("/api/schema/").content.decode()
    assert "/api/v1/jobs/{id}/cancel/" in schema


@pytest.mark.django_db(transaction=True)
def test_a_running_chunk_stops_between_slices(nih, chexnet, make_user, monkeypatch):
    """One chunk of the whole dataset, checked every image; an admin cancels from another thread
    once a few images are stored: the chunk stops early and keeps what it stored."""
    monkeypatch.setattr(scoring_core, "SUB_BATCH", 1)
    n = nih.images.count()
    ids = list(Image.objects.filter(dataset=nih).order_by("pk").values_list("pk", flat=True))
    job = scoring_start(model_version=chexnet, chunk_size=n, dispatch=False)
    scoring_plan(job.pk)
    user = make_user("canceller")
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = score_chunk(chexnet.pk, ids, job.pk, 0)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while stored(chexnet) < 3 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    job_cancel(job=job, user=user)
    worker.join(60)
    assert outcome["result"]["status"] == "cancelled"
    at_end = stored(chexnet)
    assert 3 <= at_end < n
    assert outcome["result"]["scored"] == at_end
    job.refresh_from_db()
    assert job.status == "cancelled" and job.done == at_end


def test_a_cancelled_promotion_rescore_does_not_rerank_and_the_next_one_does(
    nih, admin_client, make_user, eager_celery, django_capture_on_commit_callbacks
):
    candidate = register_tiny(nih, ModelKind.CHEXNET, production=False)
    user = make_user("promoter")
    with django_capture_on_commit_callbacks() as callbacks:  # queued, not yet run
        promotion = model_promote(model_version=candidate, user=user)
    job = promotion.scoring_job
    assert job is not None and job.status == "queued"
    job_cancel(job=job, user=user)
    for callback in callbacks:  # the re-scoring reaches the worker after the cancel
        callback()
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert stored(candidate) == 0
    assert not RankingScore.objects.filter(dataset=nih).exists()

    with django_capture_on_commit_callbacks(execute=True):
        again = scoring_start(model_version=candidate, user=user)
    again.refresh_from_db()
    assert again.status == "succeeded", again.errors
    assert stored(candidate) == nih.images.count()
    assert RankingScore.objects.filter(dataset=nih).exists()
    assert "ranking" in again.summary
