"""Scoring a dataset through the tasks (eager Celery): one Prediction per image with its embedding,
model labels, the same rows on a rerun, a warm preprocessing cache that decodes nothing, damaged
files reported without losing the rest, and the bootstrap command that makes a first model."""

import numpy as np
import pytest
from django.core.management import call_command

from annotations.models import Image, Job, Label
from annotations.selectors.pixels import image_decode
from imaging.render import model_input
from learning.bridge import images as bridge
from learning.models import ModelVersion, Prediction
from learning.services.models.weights import model_weights_path, sha256_file
from learning.services.scoring.jobs import scoring_start
from ml.inference.engine import score
from ml.nets.checkpoint import load_checkpoint
from ml.retrieval import decode_embedding
from synthetic.cxr import CXR14_FINDINGS


def run_scoring(client, dataset, model_version, capture, **body) -> Job:
    with capture(execute=True):
        r = client.post(
            f"/api/v1/datasets/{dataset.pk}/scoring/",
            {"model_version": model_version.pk, **body},
            format="json",
        )
    assert r.status_code == 202, r.content
    return Job.objects.get(pk=r.json()["id"])


def rows(model_version) -> dict[int, tuple]:
    return {
        p.image_id: (p.pk, p.probabilities, bytes(p.embedding))
        for p in Prediction.objects.filter(model_version=model_version)
    }


def test_scoring_stores_predictions_embeddings_and_model_labels(
    nih, chexnet, admin_client, eager_celery, django_capture_on_commit_callbacks
):
    job = run_scoring(admin_client(nih), nih, chexnet, django_capture_on_commit_callbacks, chunk_size=10)
    n = nih.images.count()
    assert job.status == "succeeded", job.errors
    assert (job.total, job.done, job.summary["scored"], job.summary["chunks"]) == (n, n, n, 3)
    stored = rows(chexnet)
    assert len(stored) == n == Prediction.objects.filter(image__dataset=nih).count()

    # The stored values are the model's outputs for the stored pixels (fp32 on the CPU).
    model = load_checkpoint(model_weights_path(chexnet)).model
    images = list(Image.objects.filter(dataset=nih).order_by("pk"))
    direct = score(model, [model_input(image_decode(i), size=64) for i in images], device="cpu")
    got = np.array([[stored[i.pk][1][k] for k in CXR14_FINDINGS] for i in images])
    assert np.abs(got - direct.probs).max() < 0.02  # the cache stores 8-bit inputs
    emb = np.stack([decode_embedding(stored[i.pk][2]) for i in images])
    assert emb.shape == direct.embeddings.shape and emb.shape[1] == model.embedding_dim
    cos = (
        (emb * direct.embeddings).sum(1)
        / np.linalg.norm(emb, axis=1)
        / np.linalg.norm(direct.embeddings, axis=1)
    )
    assert cos.min() > 0.99

    # CheXNet's 14 outputs label the chestxray14 schema 1:1, positive at p >= 0.5.
    labels = Label.objects.filter(source="model", source_version=chexnet.version_tag)
    assert labels.count() == 14 * n
    for label in labels.select_related("finding")[:60]:
        p = stored[label.image_id][1][label.finding.key]
        assert label.probability == pytest.approx(p)
        assert label.value == ("positive" if p >= 0.5 else "negative")


def test_rescoring_writes_the_same_rows_and_decodes_nothing(
    nih, chexnet, admin_client, eager_celery, django_capture_on_commit_callbacks
):
    client = admin_client(nih)
    before = bridge.decode_count()
    first = run_scoring(client, nih, chexnet, django_capture_on_commit_callbacks, chunk_size=8)
    cold_decodes = bridge.decode_count() - before
    assert cold_decodes == nih.images.count() == first.summary["decoded"]
    stored = rows(chexnet)
    labels = set(Label.objects.filter(source="model").values_list("pk", "value", "probability"))

    second = run_scoring(client, nih, chexnet, django_capture_on_commit_callbacks, chunk_size=8)
    assert second.status == "succeeded" and second.summary["scored"] == len(stored)
    assert bridge.decode_count() - before == cold_decodes  # warm cache: zero decodes
    assert second.summary["decoded"] == 0
    assert rows(chexnet) == stored  # same rows (same ids), identical values, no duplicates
    assert set(Label.objects.filter(source="model").values_list("pk", "value", "probability")) == labels

    # The task itself, redelivered after the job finished, changes nothing.
    from learning.tasks.scoring_chunks import score_chunk

    score_chunk.delay(chexnet.pk, list(stored)[:5], second.pk, 0)
    assert rows(chexnet) == stored


def test_a_missing_file_is_reported_and_the_rest_is_scored(
    nih, chexnet, admin_client, eager_celery, django_capture_on_commit_callbacks, settings
):
    victim = Image.objects.filter(dataset=nih).order_by("pk")[3]
    (settings.MEDIA_ROOT / victim.file.name).unlink()
    job = run_scoring(admin_client(nih), nih, chexnet, django_capture_on_commit_callbacks)
    assert job.status == "succeeded"
    assert (job.summary["scored"], job.summary["failed"]) == (nih.images.count() - 1, 1)
    assert [e["file"] for e in job.errors] == [f"image {victim.pk}"]
    assert job.errors[0]["code"] == "pixels_unavailable"
    assert not Prediction.objects.filter(image=victim).exists()


def test_scoring_api_checks_role_model_and_images(nih, chexnet, admin_client, oct_dataset):
    r = admin_client(nih, role="radiologist").post(
        f"/api/v1/datasets/{nih.pk}/scoring/", {"model_version": chexnet.pk}, format="json"
    )
    assert r.status_code == 403
    client = admin_client(oct_dataset)
    r = client.post(
        f"/api/v1/datasets/{oct_dataset.pk}/scoring/", {"model_version": chexnet.pk}, format="json"
    )
    assert r.status_code == 404  # another dataset's model
    other = oct_dataset.images.first()
    with pytest.raises(Exception, match="not in this dataset"):
        scoring_start(model_version=chexnet, image_ids=[other.pk])
    assert not Job.objects.filter(kind="scoring").exists()


def test_train_initial_models_registers_a_first_production_model(nih, eager_celery, capsys):
    call_command("train_initial_models", dataset=nih.slug, epochs=1)
    mv = ModelVersion.objects.get(dataset=nih, kind="chexnet")
    assert (mv.number, mv.status) == (1, "production")
    assert sha256_file(model_weights_path(mv)) == mv.weights_sha256
    assert mv.spec["labels"] == list(CXR14_FINDINGS) and mv.metrics["bootstrap"] is True
    assert mv.metrics["n_train"] + mv.metrics["n_val"] + mv.metrics["n_test"] == nih.images.count()
    call_command("train_initial_models", dataset=nih.slug)  # idempotent: a model exists
    assert ModelVersion.objects.filter(dataset=nih).count() == 1
    assert "already" in capsys.readouterr().out
