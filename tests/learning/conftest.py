"""Fixtures of the learning tests: one torch thread, a google4 dataset with an admin, a reader and an
outsider, token clients, and the small labelled cohort of `factory.make_cohort`."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from annotations.models import Dataset
from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.learning.factory import Cohort, make_cohort
from tests.support.torch_threads import _one_torch_thread  # noqa: F401 (autouse, per package)

# Tiny, fast runs: 1-2 epochs, a handful of bootstrap resamples, one CPU thread.
TINY = {"size": "tiny", "epochs": 2, "batch_size": 8, "n_boot": 20, "threads": 1, "device": "cpu"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Team:
    dataset: Dataset
    admin: object
    reader: object
    outsider: object

    def client(self, user) -> APIClient:
        c = APIClient()
        c.force_authenticate(user)
        return c


@pytest.fixture
def team(db, make_user) -> Team:
    dataset, _ = dataset_get_or_create(slug="learn", schema_key="google4")
    admin, reader, outsider = make_user("learn-admin"), make_user("learn-reader"), make_user("outsider")
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    membership_grant(dataset=dataset, user=reader, role=Role.RADIOLOGIST)
    return Team(dataset, admin, reader, outsider)


@pytest.fixture
def cohort(team, tmp_path) -> Cohort:
    return make_cohort(team.dataset, tmp_path / "pngs", patients=14, per_patient=2, seed=3)
