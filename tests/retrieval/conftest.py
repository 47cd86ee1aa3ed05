"""Fixtures for the retrieval tests: a Google-4 dataset, its people (token clients), a production
model version."""

import pytest
from rest_framework.test import APIClient

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.retrieval import factory
from tests.support.tokens import api_token


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def ds(db):
    dataset, _ = dataset_get_or_create(slug="sim", name="Similar", schema_key="google4", readers_per_item=2)
    return dataset


@pytest.fixture
def people(ds, make_user):
    out = {}
    for name, role in (("r1", Role.RADIOLOGIST), ("r2", Role.RADIOLOGIST), ("adj", Role.ADJUDICATOR)):
        out[name] = make_user(f"sim-{name}")
        membership_grant(dataset=ds, user=out[name], role=role)
    return out


@pytest.fixture
def api(people):
    return {name: client_for(user) for name, user in people.items()}


@pytest.fixture
def mv(ds):
    return factory.model_version(ds, 1)
