"""GET /api/v1/images/{id}/similar/: exact neighbours on hand-made embeddings, what is never shown,
parameters and errors."""

import numpy as np
import pytest

from annotations.models.choices import HowReached, WorkState
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from tests.retrieval import factory as f
from tests.retrieval.conftest import client_for

POS = {"Pneumothorax": "positive", "Fracture": "negative"}
NEG = {"Pneumothorax": "negative", "Fracture": "negative"}


def cos(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def get(client, image_id, **params):
    return client.get(f"/api/v1/images/{image_id}/similar/", params)


@pytest.fixture
def world(ds, mv):
    """A query image and cases at known angles, plus images that must never be returned."""
    q_vec = [1.0, 0.0, 0.0, 0.0]
    query = f.image(ds)
    f.embed(query, mv, q_vec)
    w = {"query": query, "q": q_vec}
    w["near"] = f.case(ds, mv, [0.9, 0.1, 0.0, 0.0], POS)  # cos 0.994
    # Long but at a wider angle: ranks below "near" by cosine although its dot product is larger.
    w["long"] = f.case(ds, mv, [10.0, 3.0, 0.0, 0.0], NEG)  # cos 0.958
    w["mid"] = f.case(ds, mv, [0.5, 0.5, 0.0, 0.0], POS)  # cos 0.707
    w["ortho"] = f.case(ds, mv, [0.0, 1.0, 0.0, 0.0], NEG)  # cos 0
    w["opposite"] = f.case(ds, mv, [-1.0, 0.0, 0.0, 0.2], NEG)  # cos -0.98
    f.finalise(w["mid"], {"Airspace opacity": "positive"}, how=HowReached.MAJORITY, rounds=3)
    # Never shown, although nearer than everything above:
    w["same_patient"] = f.case(ds, mv, [1.0, 0.0, 0.01, 0.0], POS, pat=query.study.patient)
    w["in_adjudication"] = f.image(ds)  # a partial final label while the item is still in adjudication
    f.embed(w["in_adjudication"], mv, [1.0, 0.001, 0.0, 0.0])
    f.finalise(w["in_adjudication"], {"Fracture": "positive"})
    f.queue(w["in_adjudication"], WorkState.ADJUDICATING)
    w["unlabelled"] = f.image(ds)
    f.embed(w["unlabelled"], mv, [1.0, 0.0, 0.001, 0.0])
    w["no_embedding"] = f.image(ds)
    f.finalise(w["no_embedding"], POS)
    w["other_version"] = f.case(ds, f.model_version(ds, 2, status="candidate"), [1.0, 0.0, 0.0, 0.001], POS)
    return w


def test_neighbours_are_the_exact_cosine_ranking_with_final_labels(api, world):
    r = get(api["r1"], world["query"].pk, k=5)
    assert r.status_code == 200, r.content
    body = r.json()
    order = ["near", "long", "mid", "ortho", "opposite"]
    assert [x["image"] for x in body["results"]] == [world[n].pk for n in order]
    for x, name in zip(body["results"], order, strict=True):
        vec = {"near": [0.9, 0.1, 0, 0], "long": [10, 3, 0, 0], "mid": [0.5, 0.5, 0, 0]}.get(name)
        if vec:
            assert x["similarity"] == pytest.approx(cos(world["q"], vec), abs=1e-5)
    assert [x["rank"] for x in body["results"]] == [1, 2, 3, 4, 5]
    near, mid = body["results"][0], body["results"][2]
    assert {(lb["finding"], lb["value"]) for lb in near["labels"]} == set(POS.items())
    assert near["positive_findings"] == ["Pneumothorax"] and near["how_reached"] == "unanimous"
    assert set(mid["positive_findings"]) == {"Pneumothorax", "Airspace opacity"}
    assert mid["how_reached"] == "majority"  # the most contested of its labels
    assert body["model_version"]["tag"] == "chexnet-v1" and body["search"]["method"] == "exact"
    assert near["thumbnail_url"] == f"/api/v1/images/{world['near'].pk}/thumbnail/"


def test_k_limits_the_list_and_defaults_to_ten(api, world):
    two = get(api["r1"], world["query"].pk, k=2).json()["results"]
    assert [x["image"] for x in two] == [world["near"].pk, world["long"].pk]
    assert len(get(api["r1"], world["query"].pk).json()["results"]) == 5  # all 5 eligible, k=10


def test_never_the_image_itself_its_patient_or_unpublished_images(api, world):
    ids = {x["image"] for x in get(api["r1"], world["query"].pk, k=50).json()["results"]}
    for name in ("same_patient", "in_adjudication", "unlabelled", "no_embedding", "other_version"):
        assert world[name].pk not in ids, name
    # A query that is itself a published case never finds itself (nor shows its own final labels).
    ids = [x["image"] for x in get(api["r1"], world["near"].pk, k=50).json()["results"]]
    assert world["near"].pk not in ids
    assert world["same_patient"].pk in ids  # another patient's image, for this query


def test_other_model_version_by_parameter(api, world, ds):
    other = world["other_version"].predictions.get().model_version
    f.embed(world["query"], other, [0.0, 0.0, 0.0, 1.0])
    r = get(api["r1"], world["query"].pk, model_version=other.pk)
    assert r.status_code == 200
    body = r.json()
    assert body["model_version"] == {"id": other.pk, "tag": "chexnet-v2", "status": "candidate"}
    assert [x["image"] for x in body["results"]] == [world["other_version"].pk]


@pytest.mark.parametrize("k", ["0", "51", "ten", "-3"])
def test_bad_k_is_a_400_that_says_the_range(api, world, k):
    r = get(api["r1"], world["query"].pk, k=k)
    assert r.status_code == 400
    assert "1 to 50" in r.json()["error"]["message"]


def test_unknown_ids_and_other_datasets_are_404(api, world, ds, make_user):
    assert get(api["r1"], 999_999).status_code == 404
    other, _ = dataset_get_or_create(slug="elsewhere", schema_key="google4")
    foreign = f.image(other)
    f.embed(foreign, f.model_version(other, 1), [1, 0, 0, 0])
    assert get(api["r1"], foreign.pk).status_code == 404  # no role there: not found, no data
    assert (
        get(
            api["r1"], world["query"].pk, model_version=foreign.predictions.get().model_version_id
        ).status_code
        == 404
    )
    assert get(api["r1"], world["query"].pk, model_version="abc").status_code == 400
    stranger = client_for(make_user("stranger"))
    assert get(stranger, world["query"].pk).status_code == 404


def test_no_production_model_or_no_embedding_is_a_409_saying_why(api, ds, mv):
    img = f.image(ds)
    r = get(api["r1"], img.pk)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_embedding"
    assert "chexnet-v1" in r.json()["error"]["message"]
    mv.status = "retired"
    mv.save()
    r = get(api["r1"], img.pk)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_model"


def test_only_the_same_dataset(api, world, ds, people):
    other, _ = dataset_get_or_create(slug="neighbour-ds", schema_key="google4")
    membership_grant(dataset=other, user=people["r1"], role="radiologist")
    other_mv = f.model_version(other, 1)
    twin = f.case(other, other_mv, world["q"], POS)  # identical vector, other dataset
    ids = {x["image"] for x in get(api["r1"], world["query"].pk).json()["results"]}
    assert twin.pk not in ids
