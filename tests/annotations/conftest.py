import pytest

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant


@pytest.fixture
def dataset(db):
    ds, _ = dataset_get_or_create(slug="cxr", name="Chest X-rays", modality="CXR", schema_key="chestxray14")
    return ds


@pytest.fixture
def admin_user(make_user, dataset):
    user = make_user("admin1")
    membership_grant(dataset=dataset, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def admin_client(admin_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_user)
    return client
