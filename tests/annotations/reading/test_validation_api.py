"""Bad input gets a clear JSON error, and nothing of a bad request is stored."""

import pytest

from annotations.models import AdjudicationCase, Read, ReadLabel
from tests.annotations.reading.conftest import (
    claim,
    enqueue,
    labels,
    make_images,
    next_task,
    read_item,
    respond,
)


@pytest.fixture
def claimed(make_team):
    team = make_team("google4")
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    task = claim(team, team.readers[0])
    return team, task["read"]["id"]


def post(team, read_id, body):
    return team.c(team.readers[0]).post(f"/api/v1/reads/{read_id}/submit/", body)


@pytest.mark.parametrize(
    ("mutate", "key", "expected"),
    [
        (lambda ls: [*ls, {"finding": "Cardiomegaly", "value": "positive"}], "unknown", ["Cardiomegaly"]),
        (lambda ls: ls[:2], "missing", ["Airspace opacity", "Nodule or mass"]),
        (lambda ls: [*ls[:3], {"finding": "Nodule or mass", "value": "maybe"}], "bad_value", None),
        (lambda ls: [*ls, ls[0]], "duplicate", ["Fracture"]),
    ],
)
def test_bad_labels_are_refused_with_the_problem_named(claimed, mutate, key, expected):
    team, read_id = claimed
    r = post(team, read_id, {"labels": mutate(labels(team.dataset)), "comment": "x"})
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "invalid" and key in error["detail"] and key in error["message"]
    if expected is not None:
        assert error["detail"][key] == expected
    else:
        assert error["detail"][key][0]["value"] == "maybe"
        assert "positive" in error["detail"][key][0]["allowed"]
    read = Read.objects.get(pk=read_id)
    assert read.status == "claimed" and read.comment == "" and ReadLabel.objects.count() == 0


def test_missing_or_misshapen_bodies(claimed):
    team, read_id = claimed
    r = post(team, read_id, {})
    assert r.status_code == 400 and "labels" in r.json()["error"]["message"]
    r = post(team, read_id, {"choice": "Fracture"})
    assert r.status_code == 400 and "multi-label" in r.json()["error"]["message"]
    r = post(team, read_id, {"labels": "all negative"})
    assert r.status_code == 400 and r.json()["error"]["detail"]["labels"]
    r = post(team, read_id, {"labels": [{"finding": None, "value": "positive"}, *labels(team.dataset)]})
    assert r.status_code == 400 and r.json()["error"]["detail"]["labels"]["0"]["finding"]
    r = post(team, read_id, {"labels": labels(team.dataset), "duration_ms": -5})
    assert r.status_code == 400 and "duration_ms" in r.json()["error"]["detail"]
    assert ReadLabel.objects.count() == 0


def test_derived_findings_are_not_read(make_team):
    team = make_team("chestxray14")
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_id = claim(team, team.readers[0])["read"]["id"]
    body = {"labels": [*labels(team.dataset), {"finding": "No Finding", "value": "positive"}]}
    r = team.c(team.readers[0]).post(f"/api/v1/reads/{read_id}/submit/", body)
    assert r.status_code == 400 and r.json()["error"]["detail"]["derived"] == ["No Finding"]


def test_unknown_ids_and_double_submission(claimed):
    team, read_id = claimed
    reader = team.c(team.readers[0])
    for url in (
        "/api/v1/reads/999999/submit/",
        "/api/v1/reads/abc/submit/",
        "/api/v1/adjudication-cases/999/respond/",
    ):
        r = reader.post(url, {"labels": labels(team.dataset)})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", url
    assert reader.post("/api/v1/datasets/999/worklist/next/").status_code == 404
    assert reader.get("/api/v1/final-labels/999/").status_code == 404
    assert reader.get("/api/v1/work-items/999/").status_code == 404
    assert post(team, read_id, {"labels": labels(team.dataset)}).status_code == 200
    r = post(team, read_id, {"labels": labels(team.dataset)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_submitted"
    assert ReadLabel.objects.count() == 4


def test_adjudication_answers_must_cover_exactly_the_open_findings(make_team):
    team = make_team("google4", readers_per_item=2)
    a, b = team.readers[:2]
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_item(team, a, {"labels": labels(team.dataset, Fracture="positive")})
    read_item(team, b, {"labels": labels(team.dataset)})
    case = next_task(team, a)["case"]
    r = respond(team, a, case["id"], {"labels": labels(team.dataset)}, expect=400)
    assert r["error"]["detail"]["not_open"] == ["Pneumothorax", "Airspace opacity", "Nodule or mass"]
    respond(team, a, case["id"], {"labels": [{"finding": "Fracture", "value": "positive"}]})
    r = respond(team, a, case["id"], {"labels": [{"finding": "Fracture", "value": "negative"}]}, expect=409)
    assert r["error"]["code"] == "already_answered"
    r = team.c(team.adjudicator).post(
        f"/api/v1/adjudication-cases/{case['id']}/respond/",
        {"labels": [{"finding": "Fracture", "value": "negative"}]},
    )
    assert r.status_code == 403
    r = team.c(team.adjudicator).post(
        f"/api/v1/adjudication-cases/{case['id']}/decide/",
        {"labels": [{"finding": "Fracture", "value": "negative"}]},
    )
    assert r.status_code == 409 and "not waiting" in r.json()["error"]["message"]
    assert AdjudicationCase.objects.get(pk=case["id"]).current_round == 1
    assert Read.objects.filter(round=1).count() == 1


def test_malformed_ids_are_json_404s(claimed):
    team, _ = claimed
    client = team.c(team.admin)
    for url in (
        "/api/v1/reads/abc/",
        "/api/v1/work-items/abc/",
        "/api/v1/adjudication-cases/abc/",
        "/api/v1/final-labels/abc/",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"]["code"] == "not_found", url
    r = client.post("/api/v1/final-labels/abc/correct/", {"value": "positive", "reason": "x"})
    assert r.status_code == 404
    r = client.post("/api/v1/adjudication-cases/abc/respond/", {"labels": []})
    assert r.status_code == 404
