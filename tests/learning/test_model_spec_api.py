"""The model kind is decided once (learning.services.models.kinds) and served to the UI:
`GET /api/v1/datasets/{id}/model-spec/` says which finding model a dataset trains (the kind a
training run of it must name), its outputs and whether they are multi-label."""

import pytest

from annotations.models.choices import Modality, Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from layouts.label_schemas import CXR14_FINDINGS, OCT_CLASSES, PEDIATRIC_CXR_CLASSES


def _spec(team, dataset, user=None):
    return team.client(user or team.admin).get(f"/api/v1/datasets/{dataset.pk}/model-spec/")


def _member(team, slug: str, schema_key: str, modality: str = Modality.CHEST_XRAY):
    dataset, _ = dataset_get_or_create(slug=slug, schema_key=schema_key, modality=modality)
    membership_grant(dataset=dataset, user=team.admin, role=Role.ADMIN)
    membership_grant(dataset=dataset, user=team.reader, role=Role.RADIOLOGIST)
    return dataset


@pytest.mark.parametrize(
    ("schema_key", "modality", "kind", "labels", "multilabel"),
    [
        # derived "No Finding" is not an output
        ("chestxray14", Modality.CHEST_XRAY, "chexnet", list(CXR14_FINDINGS), True),
        ("oct4", Modality.OCT, "oct", list(OCT_CLASSES), False),
        # a single-choice chest X-ray schema trains the softmax (oct) classifier: the schema decides
        ("pediatric_cxr", Modality.CHEST_XRAY, "oct", list(PEDIATRIC_CXR_CLASSES), False),
    ],
)
def test_the_schema_decides_the_kind_the_api_serves_and_a_run_accepts(
    team, schema_key, modality, kind, labels, multilabel
):
    dataset = _member(team, f"spec-{schema_key}", schema_key, modality)
    r = _spec(team, dataset)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "dataset": dataset.pk,
        "kind": kind,
        "labels": labels,
        "multilabel": multilabel,
        "task": "multi_label" if multilabel else "single_choice",
        "trainable_kinds": ["chexnet", "oct"],
    }
    # The served kind is the one a training run of the dataset must name; the other is refused.
    url = f"/api/v1/datasets/{dataset.pk}/training-runs/"
    other = "oct" if kind == "chexnet" else "chexnet"
    refused = team.client(team.admin).post(url, {"kind": other}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_kind"
    assert team.client(team.admin).post(url, {"kind": kind}, format="json").status_code == 202


def test_members_read_it_outsiders_do_not_see_the_dataset(team):
    assert _spec(team, team.dataset, team.reader).json()["kind"] == "chexnet"  # google4: multi-label
    assert _spec(team, team.dataset, team.outsider).status_code == 404
    assert team.client(team.admin).get("/api/v1/datasets/999999/model-spec/").status_code == 404
