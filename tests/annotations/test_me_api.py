"""`GET /api/v1/me/`: the signed-in user's roles per dataset, nothing for strangers."""

from rest_framework.test import APIClient

from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant


def test_me_lists_roles_per_visible_dataset(make_user, dataset):
    other, _ = dataset_get_or_create(slug="oct", name="OCT", modality="OCT", schema_key="oct4")
    dataset_get_or_create(slug="hidden", name="Hidden", schema_key="chestxray14")
    user = make_user("reader1")
    membership_grant(dataset=dataset, user=user, role=Role.RADIOLOGIST)
    membership_grant(dataset=dataset, user=user, role=Role.ADJUDICATOR)
    membership_grant(dataset=other, user=user, role=Role.ADMIN)
    client = APIClient()
    client.force_authenticate(user)
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "reader1" and body["is_staff"] is False
    assert body["roles"] == ["adjudicator", "admin", "radiologist"]
    by_slug = {m["dataset_slug"]: m["roles"] for m in body["memberships"]}
    assert by_slug == {"cxr": ["adjudicator", "radiologist"], "oct": ["admin"]}


def test_me_staff_hold_every_role_and_anonymous_is_refused(make_user, dataset):
    staff = make_user("boss", staff=True)
    client = APIClient()
    assert client.get("/api/v1/me/").status_code in (401, 403)
    client.force_authenticate(staff)
    body = client.get("/api/v1/me/").json()
    assert set(body["roles"]) == set(Role.values)
    assert body["memberships"][0]["dataset_slug"] == "cxr"
