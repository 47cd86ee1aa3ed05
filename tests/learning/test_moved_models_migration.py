"""Learning's models moved from `annotations` (issue #14) without a table changing: a database
migrated before the move keeps its training runs, model versions, predictions and ranking scores,
which the learning app then reads; their content types follow them; and the move can be undone."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotations.services.datasets.datasets import dataset_get_or_create
from learning.models import ModelVersion, Prediction, RankingScore, TrainingRun

BEFORE = [("annotations", "0013_job_kind_pacs"), ("learning", None)]
MOVED = ("trainingrun", "modelversion", "prediction", "rankingscore")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_stored_before_the_move_are_read_by_the_learning_app():
    dataset, _ = dataset_get_or_create(slug="moved", name="Moved", schema_key="chestxray14")
    try:
        old = _migrate(BEFORE)
        # Rows written through the models as they were before the move (annotations.*).
        patient = old.get_model("annotations", "Patient").objects.create(
            dataset_id=dataset.pk, pseudo_id="P1"
        )
        study = old.get_model("annotations", "Study").objects.create(
            dataset_id=dataset.pk, patient=patient, study_instance_uid="1.2.3"
        )
        image = old.get_model("annotations", "Image").objects.create(
            dataset_id=dataset.pk,
            study=study,
            sop_instance_uid="1.2.3.1",
            file="images/a.png",
            file_format="PNG",
            pixel_checksum="0" * 64,
            rows=1,
            cols=1,
            bits_stored=8,
            photometric_interpretation="MONOCHROME2",
            derived_cache_key="k1",
        )
        run = old.get_model("annotations", "TrainingRun").objects.create(
            dataset_id=dataset.pk, kind="chexnet", status="succeeded"
        )
        version = old.get_model("annotations", "ModelVersion").objects.create(
            dataset_id=dataset.pk, kind="chexnet", number=1, training_run=run, weights_path="m.pt"
        )
        old.get_model("annotations", "Prediction").objects.create(
            image_id=image.pk, model_version=version, probabilities={"Effusion": 0.7}
        )
        old.get_model("annotations", "RankingScore").objects.create(
            dataset_id=dataset.pk, image_id=image.pk, model_version=version, strategy="entropy", score=0.4
        )
        ContentType.objects.get_or_create(app_label="annotations", model="modelversion")
        ContentType.objects.filter(app_label="learning").delete()
    finally:
        _migrate(_latest())

    assert TrainingRun.objects.get().pk == run.pk
    moved = ModelVersion.objects.get()
    assert (moved.pk, moved.number, moved.training_run_id) == (version.pk, 1, run.pk)
    assert Prediction.objects.get().probabilities == {"Effusion": 0.7}
    assert RankingScore.objects.get().score == pytest.approx(0.4)
    assert ModelVersion._meta.db_table == "annotations_modelversion"
    # The existing content type followed its model; none is left behind under the old app.
    assert ContentType.objects.filter(app_label="learning", model="modelversion").count() == 1
    assert not ContentType.objects.filter(app_label="annotations", model__in=MOVED).exists()
