"""Fixtures for the worker-side ML tests: one torch thread, eager Celery, small imported datasets and
tiny registered models (random weights: scoring, storing and overlays do not need a trained model)."""

import pytest
from rest_framework.test import APIClient

from annotations.ingest.registry import run_importer
from annotations.models.choices import Modality, ModelKind
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from layouts.kermany import OCT_DIR
from learning.services.models.weights import model_version_register
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec, oct_spec
from tests.support.torch_threads import _one_torch_thread  # noqa: F401 (autouse, per package)


@pytest.fixture
def nih(db, small_cohort_dir):
    """27 ChestX-ray14-layout images with their NIH-style labels."""
    ds, _ = dataset_get_or_create(slug="mlw-nih", schema_key="chestxray14")
    run_importer("chestxray14", ds, [small_cohort_dir / "chestxray14"])
    return ds


@pytest.fixture
def oct_dataset(db, small_cohort_dir):
    ds, _ = dataset_get_or_create(slug="mlw-oct", schema_key="oct4", modality=Modality.OCT)
    run_importer("kermany", ds, [small_cohort_dir / OCT_DIR])
    return ds


def register_tiny(dataset, kind: str, *, seed: int = 0, production: bool = True):
    """A tiny network with random weights registered as the dataset's next model version."""
    labels = tuple(
        dataset.schema.findings.filter(is_derived=False).order_by("order").values_list("key", flat=True)
    )
    spec = (chexnet_spec if kind == ModelKind.CHEXNET else oct_spec)("tiny", labels=labels)
    model = build_model(spec, seed=seed)
    return model_version_register(
        dataset=dataset,
        kind=kind,
        write=lambda path: save_checkpoint(path, model),
        spec=spec.to_dict(),
        production=production,
    )


@pytest.fixture
def chexnet(nih):
    return register_tiny(nih, ModelKind.CHEXNET)


@pytest.fixture
def admin_client(make_user):
    def make(dataset, role: str = "admin") -> APIClient:
        user = make_user()
        membership_grant(dataset=dataset, user=user, role=role)
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
