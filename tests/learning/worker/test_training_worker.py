"""Training runs on real Celery worker processes: a run whose worker is SIGKILLed mid-training ends as
failed through the reaper and registers nothing (production unchanged); a running run is cancelled
between batches."""

import time
from datetime import timedelta

import psutil
import pytest
from rest_framework.test import APIClient

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from learning.models import ModelVersion, TrainingRun
from learning.services.models.weights import model_version_register, model_weights_path
from learning.services.training.runs import training_run_dispatch, training_run_start, training_runs_reap
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec
from tests.learning.factory import findings_of, make_cohort
from tests.support.worker import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Long enough that the kill / cancel lands mid-training; one thread on the shared CPU.
LONG = {
    "size": "tiny",
    "epochs": 300,
    "early_stopping_patience": 300,
    "batch_size": 8,
    "threads": 1,
    "device": "cpu",
    "n_boot": 10,
    "split": {"train": 0.5, "validation": 0.25, "test": 0.25},
}


def wait_until(predicate, *, timeout: float, what: str, log=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}\n{log()[-3000:]}")


def training_epoch(run_id: int) -> int:
    run = TrainingRun.objects.get(pk=run_id)
    return int(run.progress.get("epoch") or 0) if run.status == "running" else 0


def setup_dataset(settings, worker, tmp_path, make_user, slug: str):
    settings.MEDIA_ROOT = worker.media_root  # the worker reads the images the test stores
    settings.ARBITER_MODEL_DIR = worker.var_dir / "models"  # and the model files are shared
    dataset, _ = dataset_get_or_create(slug=slug, schema_key="google4")
    admin = make_user(f"{slug}-admin")
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    make_cohort(
        dataset,
        tmp_path / "pngs",
        patients=8,
        per_patient=2,
        seed=7,
        size=40,
        adjudicated_share=1.0,
        splits=("train", "train", "validation", "test"),
    )
    return dataset, admin


def sigkill_worker(worker) -> None:
    """SIGKILL the worker and its pool processes (all started by this test): no chance to clean up."""
    parent = psutil.Process(worker.proc.pid)
    for proc in [*parent.children(recursive=True), parent]:
        proc.kill()
    worker.proc.wait(timeout=10)


def test_a_killed_run_ends_failed_and_never_half_promotes(settings, tmp_path, make_user):
    queue = "training-kill-test"
    worker = start_worker(queues=queue)  # a private queue: no other worker can pick the task up
    try:
        dataset, admin = setup_dataset(settings, worker, tmp_path, make_user, "killed-run")
        labels = tuple(findings_of(dataset.schema))
        production = model_version_register(
            dataset=dataset,
            kind="chexnet",
            write=lambda p: save_checkpoint(p, build_model(chexnet_spec("tiny", labels=labels), seed=0)),
            spec=chexnet_spec("tiny", labels=labels).to_dict(),
            production=True,
        )
        run = training_run_start(dataset=dataset, kind="chexnet", config=LONG, user=admin, dispatch=False)
        training_run_dispatch(run, queue=queue)
        wait_until(lambda: training_epoch(run.pk) >= 1, timeout=150, what="training to start", log=worker.log)
        sigkill_worker(worker)
    finally:
        worker.stop()
    run.refresh_from_db()
    assert run.status == "running"  # nobody could say otherwise: the worker died mid-training
    time.sleep(1.5)
    assert training_runs_reap(older_than=timedelta(seconds=1)) == 1
    run.refresh_from_db()
    assert run.status == "failed" and "stopped responding" in run.error and run.finished_at
    # nothing registered, production unchanged, no weights file written for the run
    assert list(ModelVersion.objects.values_list("pk", "status")) == [(production.pk, "production")]
    assert not ModelVersion.objects.filter(training_run=run).exists()
    files = {p for p in (worker.var_dir / "models").rglob("*") if p.is_file()}
    assert files == {model_weights_path(production)}
    assert training_runs_reap(older_than=timedelta(seconds=1)) == 0


def test_a_running_run_is_cancelled_between_batches(celery_worker, settings, tmp_path, make_user):
    dataset, admin = setup_dataset(settings, celery_worker, tmp_path, make_user, "cancelled-run")
    client = APIClient()
    client.force_authenticate(admin)
    r = client.post(
        f"/api/v1/datasets/{dataset.pk}/training-runs/", {"kind": "chexnet", "config": LONG}, format="json"
    )
    assert r.status_code == 202
    run_id = r.json()["id"]
    wait_until(
        lambda: training_epoch(run_id) >= 1, timeout=150, what="training to start", log=celery_worker.log
    )
    r = client.post(f"/api/v1/training-runs/{run_id}/cancel/")
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    run = wait_until(
        lambda: (run := TrainingRun.objects.get(pk=run_id)).status != "running" and run,
        timeout=60,
        what="the cancel to land",
        log=celery_worker.log,
    )
    assert run.status == "cancelled" and run.finished_at is not None
    assert 1 <= len(run.progress["history"]) < LONG["epochs"]
    assert not ModelVersion.objects.exists()
