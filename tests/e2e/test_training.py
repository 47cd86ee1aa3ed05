"""An admin launches a training run from the console and watches it on a real Celery worker: the
progress bar follows the epochs, the new model version's ROC curves and AUROC table show, and the
admin promotes it."""

import pytest

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.reading.worklist import worklist_enqueue
from learning.models import ModelVersion, TrainingRun
from tests.learning.factory import make_cohort

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_admin_launches_training_watches_progress_and_promotes(
    browser, celery_worker, settings, make_user, tmp_path
):
    # The worker process reads the images and writes the weights where this process looks.
    settings.MEDIA_ROOT = celery_worker.media_root
    settings.ARBITER_MODEL_DIR = celery_worker.var_dir / "models"
    dataset, _ = dataset_get_or_create(slug="e2e-learn", schema_key="google4")
    make_cohort(dataset, tmp_path / "pngs", patients=14, per_patient=2, seed=3)
    admin = make_user("trainer")
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    membership_grant(dataset=dataset, user=admin, role=Role.RADIOLOGIST)
    worklist_enqueue(dataset=dataset)

    advanced = {
        "batch_size": 8,
        "n_boot": 20,
        "threads": 1,
        "device": "cpu",
        "split": {"train": 0.5, "validation": 0.25, "test": 0.25},
    }
    r = browser.run(
        "training",
        timeout=300,
        user="trainer",
        dataset=dataset.id,
        epochs=2,
        advanced=advanced,
        timeoutMs=240_000,
    )

    run = TrainingRun.objects.get(dataset=dataset)
    assert run.status == "succeeded", (run.error, celery_worker.log()[-3000:])
    assert run.config["epochs"] == 2 and run.config["n_boot"] == 20
    assert any(s.startswith("succeeded 2/2") for s in r["seen"]), r["seen"]
    version = ModelVersion.objects.get(training_run=run)
    assert version.status == "production"
    assert "is now production" in r["promoted"]
    # Promotion asked first, naming the version and its test macro AUROC (issue #17.6).
    assert f"Promote {version.version_tag} to production?" in r["confirm"] and "macro AUROC" in r["confirm"]
    evaluated = version.metrics["test"]["evaluated"]
    assert r["aurocRows"] == len(version.metrics["test"]["findings"])
    # one path per evaluated finding's curve, plus the chance diagonal
    assert r["rocCurves"] == len(evaluated) + 1
    assert "/api/v1/images/" in r["heatmap"] and "/overlay/" in r["heatmap"]
    assert r["errors"] == []
