"""The index-build task per model version: what it builds, what is served, and a new version."""

import numpy as np
import pytest

from learning.models import ModelVersion
from learning.services.retrieval_index import retrieval_dir, retrieval_indexes_stale, served_index
from learning.tasks.retrieval import build_retrieval_index, refresh_retrieval_indexes
from ml.retrieval import decode_embedding
from tests.retrieval import factory as f

POS = {"Pneumothorax": "positive"}


def build(mv: ModelVersion) -> dict:
    return build_retrieval_index.apply(args=[mv.pk]).get()


def similar(client, image_id, **params) -> dict:
    r = client.get(f"/api/v1/images/{image_id}/similar/", params)
    assert r.status_code == 200, r.content
    return r.json()


@pytest.fixture
def cases(ds, mv):
    rng = np.random.default_rng(7)
    vecs = rng.standard_normal((12, 8))
    images = [f.case(ds, mv, v, POS) for v in vecs]
    query = f.image(ds)
    q = vecs[3] + 0.05 * rng.standard_normal(8)
    f.embed(query, mv, q)
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    order = np.argsort(-(unit @ (q / np.linalg.norm(q))))
    return {"images": images, "query": query, "expected": [images[i].pk for i in order]}


def test_built_index_is_served_and_agrees_with_exact_search(api, ds, mv, cases):
    before = similar(api["r1"], cases["query"].pk, k=12)
    assert before["search"]["index_generation"] is None  # nothing built yet: exact from the stored rows
    summary = build(mv)
    assert summary["status"] == "built" and summary["size"] == 12 and summary["dim"] == 8
    assert summary["kind"] == "exact"  # 12 vectors are far below the approximate threshold
    after = similar(api["r1"], cases["query"].pk, k=12)
    assert after["search"]["index_generation"] == served_index(mv).generation
    assert after["search"]["indexed"] == 12 and after["search"]["unindexed"] == 0
    assert [x["image"] for x in after["results"]] == cases["expected"]
    assert [x["image"] for x in before["results"]] == cases["expected"]


def test_rebuilding_is_idempotent_and_keeps_two_generations_at_most(api, mv, cases):
    first = build(mv)
    gen1 = served_index(mv).generation
    build(mv)
    build(mv)
    assert served_index(mv).generation != gen1
    files = sorted(p.name for p in retrieval_dir().iterdir())
    assert len([n for n in files if n.endswith(".ids.npy")]) == 2
    assert [x["image"] for x in similar(api["r1"], cases["query"].pk, k=12)["results"]] == cases["expected"]
    assert first["size"] == served_index(mv).index.size


def test_cases_adjudicated_after_the_build_are_searched_too(api, ds, mv, cases):
    build(mv)
    same_as_query = decode_embedding(cases["query"].predictions.get().embedding)
    newest = f.case(ds, mv, same_as_query, POS)
    body = similar(api["r1"], cases["query"].pk, k=3)
    assert body["results"][0]["image"] == newest.pk
    assert body["results"][0]["similarity"] == pytest.approx(1.0, abs=1e-5)
    assert body["search"]["unindexed"] == 1 and body["search"]["indexed"] == 12


def test_a_new_model_version_gets_a_new_index_and_the_old_one_is_not_served(api, ds, mv, cases):
    build(mv)
    assert served_index(mv) is not None
    # Version 2 embeds the same images differently: the query now sits next to the last case.
    v2 = f.model_version(ds, 2, status="candidate")
    rng = np.random.default_rng(11)
    vecs2 = rng.standard_normal((12, 8))
    for im, v in zip(cases["images"], vecs2, strict=True):
        f.embed(im, v2, v)
    f.embed(cases["query"], v2, vecs2[-1])
    ModelVersion.objects.filter(pk=mv.pk).update(status="retired")
    ModelVersion.objects.filter(pk=v2.pk).update(status="production")
    mv.refresh_from_db()
    v2.refresh_from_db()

    unbuilt = similar(api["r1"], cases["query"].pk, k=1)
    assert unbuilt["model_version"]["id"] == v2.pk
    assert unbuilt["search"]["index_generation"] is None  # v2 not built yet; v1's index is never used
    assert unbuilt["results"][0]["image"] == cases["images"][-1].pk
    assert served_index(mv) is None  # a retired version's index is not served

    assert build(v2)["status"] == "built"
    body = similar(api["r1"], cases["query"].pk, k=1)
    assert body["search"]["index_generation"] == served_index(v2).generation
    assert body["results"][0]["image"] == cases["images"][-1].pk
    names = [p.name for p in retrieval_dir().iterdir()]
    assert names and all(f"-mv{v2.pk}." in n for n in names)  # v1's files were deleted
    assert build(mv) == {"model_version": mv.pk, "status": "retired", "files_removed": 0}


def test_refresh_builds_missing_production_indexes_only(ds, mv, cases):
    candidate = f.model_version(ds, 2, status="candidate")
    f.embed(cases["images"][0], candidate, [1, 0, 0, 0, 0, 0, 0, 0])
    assert retrieval_indexes_stale() == [mv.pk]
    done = refresh_retrieval_indexes.apply().get()
    assert [d["model_version"] for d in done] == [mv.pk]
    assert retrieval_indexes_stale() == []
    assert served_index(candidate) is None


def test_an_empty_adjudicated_set_builds_nothing(ds, mv):
    img = f.image(ds)
    f.embed(img, mv, [1, 2, 3])
    assert build(mv) == {"model_version": mv.pk, "status": "empty", "size": 0}
    assert served_index(mv) is None
    assert build_retrieval_index.apply(args=[987654]).get()["status"] == "missing"


def test_past_the_threshold_the_served_index_is_approximate_and_finds_the_neighbours(api, ds, mv, settings):
    pytest.importorskip("faiss")
    settings.ARBITER_RETRIEVAL_EXACT_MAX = 100
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((36, 16))  # 36 tight clusters of 10: the top 10 is one cluster
    which = np.repeat(np.arange(36), 10)
    vecs = centres[which] + 0.03 * rng.standard_normal((360, 16))
    ids = f.bulk_cases(ds, mv, vecs, positive=which == 2)
    summary = build(mv)
    assert summary["kind"] == "faiss-ivf" and summary["size"] == 360
    query = f.image(ds)
    f.embed(query, mv, centres[2])
    body = similar(api["r1"], query.pk, k=10)
    assert body["search"]["method"] == "faiss-ivf"
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    exact = [ids[i] for i in np.argsort(-(unit @ (centres[2] / np.linalg.norm(centres[2]))))[:10]]
    got = [x["image"] for x in body["results"]]
    assert set(got) == set(exact) == {ids[i] for i in np.flatnonzero(which == 2)}
    assert all(x["positive_findings"] == ["Pneumothorax"] for x in body["results"])


def test_embeddings_of_different_sizes_fail_the_build_and_the_search_with_a_reason(api, ds, mv, cases):
    f.case(ds, mv, [1.0, 2.0, 3.0], POS)  # 3 values where the others have 8
    summary = build(mv)
    assert summary["status"] == "failed" and "3 values where 8" in summary["error"]
    assert served_index(mv) is None
    r = api["r1"].get(f"/api/v1/images/{cases['query'].pk}/similar/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "retrieval_failed"
