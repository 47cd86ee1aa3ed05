"""Server errors the schemathesis run found, each with the behaviour it has now."""

import pytest
from rest_framework.test import APIClient

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.annotations.reading.conftest import make_images

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", ["render", "thumbnail"])
def test_an_image_whose_file_is_missing_is_404_json_not_500(make_user, view, settings):
    dataset = dataset_get_or_create(slug="lost", schema_key="chestxray14")[0]
    image = make_images(dataset, 1)[0]  # a row whose file was never written (storage lost)
    user = make_user("lost-reader")
    membership_grant(dataset=dataset, user=user, role=Role.RADIOLOGIST)
    client = APIClient()
    client.force_authenticate(user)
    r = client.get(f"/api/v1/images/{image.pk}/{view}/")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "pixels_unavailable"
    (settings.MEDIA_ROOT / image.file.name).parent.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / image.file.name).write_bytes(b"not a png any more")
    r = client.get(f"/api/v1/images/{image.pk}/{view}/")
    assert r.status_code == 404 and "no longer decodes" in r.json()["error"]["message"]
