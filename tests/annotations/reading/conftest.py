"""Fixtures for the reading protocol tests: datasets with a policy, images as rows (no pixels are
needed to read them), users with roles, and API clients authenticating with real API tokens."""

import itertools
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from annotations.models import Dataset, Image, Patient, Study
from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.support.tokens import api_token

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """Users here sign in with tokens; a cheap hasher keeps creating a team fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_images(
    dataset: Dataset, n: int, *, split: str = "unassigned", source_key: str | None = None
) -> list[Image]:
    images = []
    for _ in range(n):
        k = next(_seq)
        patient = Patient.objects.create(
            dataset=dataset, pseudo_id=f"P{k:05d}", split=split, sex="F", age_years=50
        )
        study = Study.objects.create(
            dataset=dataset, patient=patient, study_instance_uid=f"1.2.826.0.1.{k}", patient_age_years=50.4
        )
        images.append(
            Image.objects.create(
                dataset=dataset,
                study=study,
                sop_instance_uid=f"1.2.826.0.2.{k}",
                source_key=source_key or f"{k:08d}_000.png",
                file=f"images/{k}.png",
                file_format="png",
                pixel_checksum=f"{k:064x}",
                rows=8,
                cols=8,
                bits_stored=8,
                photometric_interpretation="MONOCHROME2",
                view_position="PA",
                derived_cache_key=f"k{k}",
            )
        )
    return images


def api_client(user) -> APIClient:
    """A client that authenticates as the API does for scripts: with the user's token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    client.user = user
    return client


@dataclass
class Team:
    dataset: Dataset
    readers: list
    adjudicator: object
    admin: object
    exporter: object
    clients: dict

    def c(self, user) -> APIClient:
        return self.clients[user.pk]


@pytest.fixture
def make_team(db, make_user):
    """A dataset with its policy, three (or more) radiologists, an adjudicator, an admin and an
    export-role user, each with a token client."""

    def make(schema_key: str = "google4", *, readers: int = 3, slug: str | None = None, **policy) -> Team:
        slug = slug or f"ds-{next(_seq)}"
        policy.setdefault("readers_per_item", 3)
        dataset, _ = dataset_get_or_create(slug=slug, name=slug, schema_key=schema_key, **policy)
        people = {
            "readers": [make_user(f"{slug}-reader{i}") for i in range(readers)],
            "adjudicator": make_user(f"{slug}-adjudicator"),
            "admin": make_user(f"{slug}-admin"),
            "exporter": make_user(f"{slug}-export"),
        }
        for r in people["readers"]:
            membership_grant(dataset=dataset, user=r, role=Role.RADIOLOGIST)
        membership_grant(dataset=dataset, user=people["adjudicator"], role=Role.ADJUDICATOR)
        membership_grant(dataset=dataset, user=people["admin"], role=Role.ADMIN)
        membership_grant(dataset=dataset, user=people["exporter"], role=Role.EXPORT)
        users = [*people["readers"], people["adjudicator"], people["admin"], people["exporter"]]
        return Team(dataset=dataset, clients={u.pk: api_client(u) for u in users}, **people)

    return make


def labels(dataset: Dataset, default: str = "negative", comments: dict | None = None, **values) -> list[dict]:
    """One entry per labelled finding of the dataset's schema; keyword names write spaces as _."""
    findings = list(dataset.schema.findings.filter(is_derived=False).order_by("order"))
    names = {f.key.replace(" ", "_"): f.key for f in findings}
    assert set(values) <= set(names) and set(comments or {}) <= set(names), "typo in a finding name"
    out = []
    for name, key in names.items():
        entry = {"finding": key, "value": values.get(name, default)}
        if comments and name in comments:
            entry["comment"] = comments[name]
        out.append(entry)
    return out


def enqueue(team: Team, images: list[Image], **kw) -> dict:
    r = team.c(team.admin).post(
        f"/api/v1/datasets/{team.dataset.pk}/worklist/enqueue/", {"image_ids": [i.pk for i in images], **kw}
    )
    assert r.status_code == 201, r.content
    return r.json()


def next_task(team: Team, user) -> dict:
    r = team.c(user).post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/")
    assert r.status_code == 200, r.content
    return r.json()


def claim(team: Team, user) -> dict:
    task = next_task(team, user)
    assert task["task"] == "read", task
    return task


def submit(team: Team, user, read_id: int, body: dict, expect: int = 200) -> dict:
    r = team.c(user).post(f"/api/v1/reads/{read_id}/submit/", body)
    assert r.status_code == expect, r.content
    return r.json()


def read_item(team: Team, user, body: dict) -> dict:
    """Claim the next item and submit `body` for it; returns the task that was read."""
    task = claim(team, user)
    submit(team, user, task["read"]["id"], body)
    return task


def respond(team: Team, user, case_id: int, body: dict, expect: int = 200) -> dict:
    r = team.c(user).post(f"/api/v1/adjudication-cases/{case_id}/respond/", body)
    assert r.status_code == expect, r.content
    return r.json()
