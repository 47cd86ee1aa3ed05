"""Blinding: no endpoint shows a reader another reader's labels or comments before they have
submitted their own, nor another reader's answer in a round still in progress, nor anything of a
dataset the user has no role on. Each attempt must fail (403/404 or an empty result) AND the other
reader's comment text must not be anywhere in the body."""

import pytest

from annotations.models import AdjudicationCase, Read, WorkItem
from annotations.services.datasets.datasets import membership_grant
from tests.annotations.reading.conftest import (
    api_client,
    claim,
    enqueue,
    labels,
    make_images,
    next_task,
    read_item,
    respond,
    submit,
)

SECRET = "CANARY-first-read-of-A"
SECRET_FINDING = "CANARY-finding-comment-of-A"
SECRET_ROUND = "CANARY-round-1-of-A"
CANARIES = (SECRET, SECRET_FINDING, SECRET_ROUND)


def clean(response, *canaries: str) -> str:
    body = response.content.decode()
    for canary in canaries or CANARIES:
        assert canary not in body, f"{canary} leaked through {response.request['PATH_INFO']}"
    return body


@pytest.fixture
def scene(make_team, make_user):
    team = make_team("google4")
    a, b, _c = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    body = {
        "labels": labels(team.dataset, Pneumothorax="positive", comments={"Pneumothorax": SECRET_FINDING}),
        "comment": SECRET,
    }
    a_task = read_item(team, a, body)
    b_task = claim(team, b)  # B holds a claim and has not submitted
    staff = make_user("platform-staff", staff=True)
    outsider = make_user("other-dataset-reader")
    other = make_team("google4")
    membership_grant(dataset=other.dataset, user=outsider, role="radiologist")
    return {
        "team": team,
        "image": image,
        "item": WorkItem.objects.get(image=image),
        "a_read": a_task["read"]["id"],
        "b_read": b_task["read"]["id"],
        "staff": staff,
        "outsider": outsider,
    }


def test_before_submitting_nobody_sees_the_first_reader_on_any_endpoint(
    scene, eager_celery, django_capture_on_commit_callbacks
):
    team, image, item = scene["team"], scene["image"], scene["item"]
    _a, b, c = team.readers
    ds = team.dataset.pk
    snoopers = [b, c, team.adjudicator, team.admin, scene["staff"]]
    for user in snoopers:
        client = team.clients.get(user.pk) or api_client(user)
        r = client.get("/api/v1/reads/", {"image": image.pk})
        assert r.status_code == 200
        clean(r)
        assert all(row["is_mine"] for row in r.json()["results"])
        r = client.get(f"/api/v1/reads/{scene['a_read']}/")
        assert r.status_code == 404
        clean(r)
        r = client.get(f"/api/v1/work-items/{item.pk}/")
        assert r.status_code == 200, r.content
        clean(r)
        assert r.json()["readers"] == [] and r.json()["final_labels"] == []
        r = client.get("/api/v1/adjudication-cases/", {"dataset": ds})
        assert r.status_code == 200 and r.json()["results"] == []
        r = client.get(f"/api/v1/images/{image.pk}/labels/")
        assert r.status_code == 200
        clean(r)
        r = client.get(f"/api/v1/datasets/{ds}/final-labels/", {"image": image.pk})
        assert r.status_code == 200 and r.json()["results"] == []
        r = client.get(f"/api/v1/datasets/{ds}/agreement/")
        assert r.status_code == 200
        clean(r)
        assert r.json()["items_done"] == 0
    # The worklist's payload for the third reader carries no trace of A.
    task = next_task(team, c)
    assert task["task"] == "read" and task["item"]["image"]["id"] == image.pk
    assert task["item"]["readers"] == [] and task["item"]["case_id"] is None
    r = team.c(c).post(f"/api/v1/datasets/{ds}/worklist/next/")
    clean(r)
    # An export made now holds nothing of the item.
    with django_capture_on_commit_callbacks(execute=True):
        r = team.c(team.admin).post(f"/api/v1/datasets/{ds}/label-sets/", {})
    assert r.status_code == 202
    for fmt in ("csv", "jsonl"):
        r = team.c(team.exporter).get(f"/api/v1/datasets/{ds}/label-sets/1/download/", {"file": fmt})
        assert r.status_code == 200
        body = b"".join(r.streaming_content).decode()
        assert image.source_key not in body and SECRET not in body
    # Summary counts never carry values.
    r = team.c(team.admin).get(f"/api/v1/datasets/{ds}/worklist/summary/")
    assert r.status_code == 200 and r.json()["submitted_first_reads"] == 1
    clean(r)


def test_in_adjudication_a_reader_sees_completed_rounds_only(scene):
    team, image = scene["team"], scene["image"]
    a, b, c = team.readers
    submit(team, b, scene["b_read"], {"labels": labels(team.dataset)})
    read_item(team, c, {"labels": labels(team.dataset)})
    case = AdjudicationCase.objects.get(image=image)
    respond(
        team,
        a,
        case.pk,
        {"labels": [{"finding": "Pneumothorax", "value": "positive"}], "comment": SECRET_ROUND},
    )
    a_round1 = Read.objects.get(image=image, reader=a, round=1).pk
    # B sees A's first read (a completed round) anonymised, but not A's answer in round 1.
    r = team.c(b).get(f"/api/v1/adjudication-cases/{case.pk}/")
    assert r.status_code == 200
    body = clean(r, SECRET_ROUND)
    assert SECRET in body and SECRET_FINDING in body
    assert all(row["reader_id"] is None for row in r.json()["readers"] if not row["is_me"])
    for url in ("/api/v1/reads/", f"/api/v1/work-items/{scene['item'].pk}/"):
        r = team.c(b).get(url, {"image": image.pk} if url.endswith("reads/") else None)
        assert r.status_code == 200
        clean(r, SECRET_ROUND)
    r = team.c(b).get("/api/v1/reads/", {"image": image.pk})
    assert str(a.pk) not in {str(row["reader_id"]) for row in r.json()["results"]}
    assert team.c(b).get(f"/api/v1/reads/{a_round1}/").status_code == 404
    # A fourth radiologist of the dataset, not a reader of the item: nothing.
    d = team.readers[0].__class__.objects.create_user("fourth-reader")
    membership_grant(dataset=team.dataset, user=d, role="radiologist")
    dc = api_client(d)
    r = dc.get(f"/api/v1/adjudication-cases/{case.pk}/")
    assert r.status_code == 404
    clean(r)
    r = dc.get("/api/v1/reads/", {"image": image.pk})
    assert r.json()["results"] == []
    # The adjudicator (not a reader) may see every round.
    r = team.c(team.adjudicator).get(f"/api/v1/adjudication-cases/{case.pk}/")
    assert r.status_code == 200 and SECRET_ROUND in r.content.decode()


def test_ids_from_a_dataset_without_a_role_are_not_found(scene):
    team, _image, item = scene["team"], scene["image"], scene["item"]
    ds = team.dataset.pk
    client = api_client(scene["outsider"])
    gets = [
        f"/api/v1/reads/{scene['a_read']}/",
        f"/api/v1/work-items/{item.pk}/",
        f"/api/v1/datasets/{ds}/final-labels/",
        f"/api/v1/datasets/{ds}/agreement/",
        f"/api/v1/datasets/{ds}/qc-flags/",
        f"/api/v1/datasets/{ds}/label-sets/",
        f"/api/v1/datasets/{ds}/label-sets/1/download/",
        f"/api/v1/datasets/{ds}/worklist/summary/",
        f"/api/v1/datasets/{ds}/work-items/",
    ]
    for url in gets:
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert r.json()["error"]["code"] == "not_found"
        clean(r)
    posts = [
        f"/api/v1/datasets/{ds}/worklist/next/",
        f"/api/v1/reads/{scene['a_read']}/submit/",
        f"/api/v1/reads/{scene['b_read']}/release/",
        f"/api/v1/datasets/{ds}/label-sets/",
        f"/api/v1/datasets/{ds}/qc-flags/resolve/",
    ]
    for url in posts:
        r = client.post(url, {"labels": labels(team.dataset), "flag_ids": [1], "action": "reject"})
        assert r.status_code == 404, (url, r.status_code)
        clean(r)
    assert client.get("/api/v1/reads/").json()["results"] == []
    # Nothing changed: B's claim is still there, A's read untouched.
    assert Read.objects.get(pk=scene["b_read"]).status == "claimed"


def test_a_read_of_another_reader_cannot_be_submitted_released_or_revised(scene):
    team = scene["team"]
    _a, b, c = team.readers
    for action in ("submit", "release", "renew", "revise"):
        r = team.c(c).post(f"/api/v1/reads/{scene['b_read']}/{action}/", {"labels": labels(team.dataset)})
        assert r.status_code == 404, action
        r = team.c(b).post(f"/api/v1/reads/{scene['a_read']}/{action}/", {"labels": labels(team.dataset)})
        assert r.status_code == 404, action
        clean(r)
    assert Read.objects.get(pk=scene["b_read"]).status == "claimed"


def test_the_export_role_reads_exports_only(scene):
    team, item = scene["team"], scene["item"]
    client = team.c(team.exporter)
    assert client.get(f"/api/v1/work-items/{item.pk}/").status_code == 403
    assert client.get(f"/api/v1/reads/{scene['a_read']}/").status_code == 404
    assert client.get("/api/v1/reads/").json()["results"] == []
    assert client.post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/").status_code == 403
    assert client.post(f"/api/v1/datasets/{team.dataset.pk}/label-sets/", {}).status_code == 403
    assert client.get(f"/api/v1/datasets/{team.dataset.pk}/agreement/").status_code == 403
    assert client.get(f"/api/v1/datasets/{team.dataset.pk}/label-sets/").status_code == 200
    r = client.get(f"/api/v1/datasets/{team.dataset.pk}/final-labels/")
    assert r.status_code == 200
    clean(r)
