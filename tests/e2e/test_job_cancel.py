"""The admin console cancels a scoring job in a real browser: the labelled Cancel button on a queued
scoring job, the row then showing `cancelled`, the job cancelled in the database and audited; a
running job of another kind offers Cancel too (every kind can be cancelled), a finished one none."""

import pytest

from annotations.models import AuditEvent, Job
from annotations.models.choices import JobKind, JobStatus, Role
from annotations.services.jobs.records import job_create
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import cxr_dataset, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_admin_cancels_a_queued_scoring_job(browser, make_user):
    dataset = cxr_dataset()
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    importing = job_create(kind=JobKind.IMPORT, dataset=dataset)
    Job.objects.filter(pk=importing.pk).update(status=JobStatus.RUNNING, total=10, done=4)
    scoring = job_create(kind=JobKind.SCORING, dataset=dataset, params={"model_version": 1})
    done = job_create(kind=JobKind.NLP, dataset=dataset)
    Job.objects.filter(pk=done.pk).update(status=JobStatus.SUCCEEDED)

    r = browser.run(
        "jobcancel",
        admin="admin1",
        dataset=dataset.id,
        scoringJob=scoring.id,
        importJob=importing.id,
        doneJob=done.id,
    )

    assert r["statusBefore"] == "queued"
    assert r["importCancel"] == 1 and r["doneButtons"] == 0
    assert r["statusCell"] == "cancelled"
    assert r["buttonsAfter"] == 0
    assert Job.objects.get(pk=scoring.pk).status == "cancelled"
    assert Job.objects.get(pk=importing.pk).status == "running"
    assert AuditEvent.objects.get(action="job.cancel").actor.username == "admin1"
