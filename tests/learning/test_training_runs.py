"""Training runs in process (the task body, `training_run_execute`, without a worker): two real runs
on a small cohort (tiny net, 2 epochs), the fixed test split, evaluation and the comparison with
production; one active run per dataset and kind; cancel; failures; the stale-run reaper."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from sklearn.metrics import roc_auc_score

from annotations.errors import ConflictError, InvalidInputError
from annotations.models import AuditEvent, Label
from annotations.models.choices import Modality, Role, RunStatus
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from learning.bridge.inputs import model_inputs
from learning.models import ModelVersion, TrainingRun
from learning.services.models.weights import model_weights_path, sha256_file
from learning.services.registry.versions import model_promote, model_version_from_run
from learning.services.training.runner import training_run_execute
from learning.services.training.runs import training_run_cancel, training_run_start, training_runs_reap
from ml.inference.engine import score
from ml.nets.checkpoint import load_checkpoint
from tests.annotations.reading.conftest import make_images
from tests.learning.conftest import TINY
from tests.learning.factory import make_oct_cohort

SPLIT = {"split": {"train": 0.5, "validation": 0.25, "test": 0.25}}
FINDINGS = ["Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass"]


def run_now(team, **config) -> TrainingRun:
    run = training_run_start(
        dataset=team.dataset,
        kind="chexnet",
        config={**TINY, **SPLIT, **config},
        user=team.admin,
        dispatch=False,
    )
    result = training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == result["status"] == RunStatus.SUCCEEDED, (run.error, result)
    return run


def check_binary_metrics(m: dict) -> None:
    assert m["n"] > 0
    if m["auroc"] is None:  # one class only in the test split: no AUROC, no curve
        assert m["n_positive"] in (0, m["n"])
        return
    assert 0.0 <= m["auroc"] <= 1.0
    assert m["auroc_ci_low"] <= m["auroc"] + 1e-9 and m["auroc"] <= m["auroc_ci_high"] + 1e-9
    assert m["roc"]["fpr"][0] == 0.0 and m["roc"]["fpr"][-1] == 1.0 and m["roc"]["tpr"][-1] == 1.0
    assert 0.0 <= m["sensitivity"] <= 1.0 and 0.0 <= m["specificity"] <= 1.0
    assert 0.0 <= m["pr_auc"] <= 1.0 and m["threshold"] == 0.5


def test_two_runs_evaluate_on_the_same_test_split_and_compare_with_production(team, cohort):
    first = run_now(team, seed=0)
    v1 = first.model_version
    assert (v1.number, v1.status, v1.kind) == (1, "candidate", "chexnet")
    # the run's record: config normalised, progress per epoch, data snapshot
    assert first.config["weak_labels"] == {
        "uncertainty": "ignore",
        "weak_weight": 1.0,
        "use_weak": True,
        "blank": "mask",
    }
    history = first.progress["history"]
    assert [h["epoch"] for h in history] == list(range(1, len(history) + 1)) and len(history) <= 2
    assert first.progress["phase"] == "succeeded" and first.heartbeat_at is not None
    counts = first.data_snapshot["counts"]
    assert counts["validation"] > 0 and counts["test"] > 0 and counts["train"] >= 2
    test_ids = first.data_snapshot["test_image_ids"]
    assert set(test_ids) <= set(cohort.adjudicated)  # the test split is adjudicated items only
    # weights: complete, hash recorded, loadable with the dataset's labels
    path = model_weights_path(v1)
    assert sha256_file(path) == v1.weights_sha256
    ckpt = load_checkpoint(path)
    assert list(ckpt.spec.labels) == FINDINGS == v1.spec["labels"]
    assert ckpt.metadata["training_run"] == first.pk
    # evaluation on the test split, per finding
    metrics = v1.metrics
    assert metrics["task"] == "multi_label" and metrics["summary"]["n_test"] == counts["test"]
    assert set(metrics["test"]["findings"]) == set(FINDINGS)
    for m in metrics["test"]["findings"].values():
        check_binary_metrics(m)
    assert metrics["validation"]["best_epoch"] >= 1 and metrics["comparison"] is None  # no production yet

    model_promote(model_version=v1, user=team.admin)
    second = run_now(team, seed=1, epochs=1)
    v2 = second.model_version
    assert v2.number == 2
    assert second.data_snapshot["test_image_ids"] == test_ids  # same fixed test split
    assert second.data_snapshot["test_image_ids_sha256"] == first.data_snapshot["test_image_ids_sha256"]
    cmp = v2.metrics["comparison"]
    assert cmp["production"] == {"id": v1.pk, "number": 1} and cmp["n_test"] == counts["test"]
    for name, c in cmp["findings"].items():
        prod_auroc = v1.metrics["test"]["findings"][name]["auroc"]
        if prod_auroc is not None:  # production re-scored on the same items reproduces its AUROC
            assert c["auroc_production"] == pytest.approx(prod_auroc, abs=1e-9)
            assert c["delta"] == pytest.approx(c["auroc_candidate"] - c["auroc_production"])
    assert ModelVersion.objects.get(pk=v1.pk).status == "production"  # a run never promotes
    assert AuditEvent.objects.filter(action="model_version.register").count() == 2


def test_one_active_run_per_dataset_and_kind(team):
    first = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    with pytest.raises(ConflictError) as err:
        training_run_start(dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False)
    assert err.value.code == "run_active" and err.value.detail == {"active_run": first.pk}
    with pytest.raises(IntegrityError), transaction.atomic():  # the database itself refuses it
        TrainingRun.objects.create(dataset=team.dataset, kind="chexnet", status=RunStatus.RUNNING)
    r = team.client(team.admin).post(
        f"/api/v1/datasets/{team.dataset.pk}/training-runs/",
        {"kind": "chexnet", "config": TINY},
        format="json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "run_active"
    training_run_cancel(run=first, user=team.admin)
    again = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    assert again.status == RunStatus.QUEUED


def test_cancelling_a_queued_run_and_redelivered_tasks(team, cohort):
    run = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    run = training_run_cancel(run=run, user=team.admin)
    assert (run.status, run.cancel_requested) == (RunStatus.CANCELLED, True) and run.finished_at
    assert training_run_execute(run.pk)["skipped"] is True  # the task arriving later does nothing
    assert not ModelVersion.objects.exists()
    with pytest.raises(ConflictError) as err:
        training_run_cancel(run=run, user=team.admin)
    assert err.value.code == "run_finished"
    assert AuditEvent.objects.filter(action="training_run.cancel", object_id=str(run.pk)).exists()
    done = run_now(team, epochs=1)
    assert training_run_execute(done.pk)["skipped"] is True  # redelivered after success: no second version
    assert ModelVersion.objects.count() == 1


def test_a_run_without_enough_labels_fails_with_a_clear_message(team):
    for image in make_images(team.dataset, 4, split="train"):
        Label.objects.filter(image=image).delete()
    run = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    result = training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == result["status"] == RunStatus.FAILED
    assert "Not enough labelled data" in run.error and "validation split" in run.error
    assert run.finished_at and not ModelVersion.objects.exists()


@pytest.mark.parametrize(
    ("kind", "config", "code", "text"),
    [
        ("chexnet", {"epochs": 0}, "invalid_config", "epochs must be between"),
        ("chexnet", {"epoch": 3}, "invalid_config", "unknown config key"),
        ("chexnet", {"epochs": 2.5}, "invalid_config", "epochs must be an integer"),
        ("chexnet", {"lr": float("nan")}, "invalid_config", "lr must be a number"),
        ("chexnet", {"threads": float("inf")}, "invalid_config", "threads must be an integer"),
        ("chexnet", {"split": {"train": float("nan")}}, "invalid_config", "train must be a number"),
        ("chexnet", {"weak_labels": {"uncertainty": "maybe"}}, "invalid_config", "U-Ignore"),
        ("chexnet", {"split": {"train": 0.5, "validation": 0.5, "test": 0.5}}, "invalid_config", "sum to 1"),
        ("chexnet", {"size": "huge"}, "invalid_config", "size must be one of"),
        ("oct", {}, "invalid_kind", "trains a 'chexnet' model"),
        ("rotation", {}, "invalid_kind", "not trained by training runs"),
    ],
)
def test_bad_run_requests_are_refused(team, kind, config, code, text):
    with pytest.raises(InvalidInputError, match=text) as err:
        training_run_start(dataset=team.dataset, kind=kind, config=config, user=team.admin, dispatch=False)
    assert err.value.code == code
    assert not TrainingRun.objects.exists()


def test_the_reaper_fails_silent_runs_which_then_can_register_nothing(team, settings):
    settings.ARBITER_JOB_STALE_SECONDS = 300
    old = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    long_ago = timezone.now() - timedelta(minutes=6)
    TrainingRun.objects.filter(pk=old.pk).update(
        status=RunStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    # a new run of the same kind reaps the dead one first, instead of answering 409
    new = training_run_start(
        dataset=team.dataset, kind="chexnet", config=TINY, user=team.admin, dispatch=False
    )
    old.refresh_from_db()
    assert old.status == RunStatus.FAILED and "stopped responding" in old.error
    assert AuditEvent.objects.filter(action="training_run.reaped", object_id=str(old.pk)).exists()
    # a fresh heartbeat is left alone
    TrainingRun.objects.filter(pk=new.pk).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    assert training_runs_reap() == 0
    # a worker that comes back after being reaped cannot register its model (and writes no file)
    written = []
    mv = model_version_from_run(
        run_id=old.pk, write=lambda p: written.append(p), spec={"labels": FINDINGS}, metrics={}
    )
    assert mv is None and written == [] and not ModelVersion.objects.exists()


def test_weights_of_a_registered_version_are_what_was_evaluated(team, cohort):
    run = run_now(team, epochs=1)
    ckpt = load_checkpoint(model_weights_path(run.model_version))
    test_ids = run.data_snapshot["test_image_ids"]
    x, ok = model_inputs(test_ids, ckpt.spec.input_size)
    assert ok.all()
    probs = score(ckpt.model, x, device="cpu", precision="fp32", workers=1).probs
    auroc = run.model_version.metrics["test"]["findings"]
    truth = {im: cohort.truth[im] for im in test_ids}
    for j, name in enumerate(FINDINGS):
        y = np.array([truth[i][name] for i in test_ids], dtype=int)
        if 0 < y.sum() < len(y):
            assert roc_auc_score(y, probs[:, j]) == pytest.approx(auroc[name]["auroc"], abs=1e-6)


def test_an_oct_run_reports_kermany_metrics_and_compares_the_urgent_referral(team, tmp_path):
    dataset, _ = dataset_get_or_create(slug="learn-oct", schema_key="oct4", modality=Modality.OCT)
    membership_grant(dataset=dataset, user=team.admin, role=Role.ADMIN)
    make_oct_cohort(dataset, tmp_path / "oct", patients=12, per_patient=2, seed=4)

    def oct_run(**config) -> TrainingRun:
        run = training_run_start(
            dataset=dataset, kind="oct", config={**TINY, **config}, user=team.admin, dispatch=False
        )
        training_run_execute(run.pk)
        run.refresh_from_db()
        assert run.status == "succeeded", run.error
        return run

    first = oct_run(transfer_mode="finetune")
    m = first.model_version.metrics
    assert m["task"] == "single_choice" and m["labels"] == ["CNV", "DME", "DRUSEN", "NORMAL"]
    test = m["test"]
    n = first.data_snapshot["counts"]["test"]
    assert test["n_items"] == n == sum(map(sum, test["confusion"]))
    assert m["summary"]["accuracy"] == pytest.approx(sum(test["confusion"][k][k] for k in range(4)) / n)
    penalty = np.array(test["penalty"])
    assert m["summary"]["weighted_error"] == pytest.approx((penalty * np.array(test["confusion"])).sum() / n)
    assert test["urgent_classes"] == ["CNV", "DME"] and test["urgent"]["n"] == n
    assert m["summary"]["urgent_auroc"] == test["urgent"]["auroc"]

    model_promote(model_version=first.model_version, user=team.admin)
    second = oct_run(transfer_mode="bottleneck", seed=2)
    cmp = second.model_version.metrics["comparison"]
    assert cmp["production"]["id"] == first.model_version.pk
    assert set(cmp["findings"]) == {"CNV", "DME", "DRUSEN", "NORMAL", "urgent referral"}
    urgent = cmp["findings"]["urgent referral"]
    assert urgent["auroc_production"] == pytest.approx(first.model_version.metrics["test"]["urgent"]["auroc"])
