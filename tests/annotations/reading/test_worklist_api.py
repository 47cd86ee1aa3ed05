"""The worklist: ranking, never two reads of one item by one reader, never more than N readers,
leases (expiry and reclaim, release, renew), the preload allowance, QC holds, enqueue and re-ranking."""

from datetime import timedelta

from django.utils import timezone

from annotations.models import QCFlag, Read, WorkItem
from annotations.services.reading.worklist import worklist_enqueue
from learning.models import RankingScore
from learning.services.priorities import random_score
from tests.annotations.reading.conftest import (
    claim,
    enqueue,
    labels,
    make_images,
    next_task,
    read_item,
    submit,
)


def test_next_serves_items_in_priority_order_from_stored_scores(make_team):
    team = make_team("google4", readers_per_item=1)
    images = make_images(team.dataset, 4)
    scores = [0.2, 0.9, 0.5, 0.7]
    for image, score in zip(images, scores, strict=True):
        RankingScore.objects.create(dataset=team.dataset, image=image, strategy="entropy", score=score)
    result = enqueue(team, images, strategy="entropy")
    assert result == {"queued": 4, "held_for_qc": 0, "skipped": 0, "strategy": "entropy"}
    reader = team.readers[0]
    served = [
        read_item(team, reader, {"labels": labels(team.dataset)})["item"]["image"]["id"] for _ in images
    ]
    expected = [img.pk for _, img in sorted(zip(scores, images, strict=True), key=lambda t: -t[0])]
    assert served == expected
    # Re-ranking copies new scores into the queue's priorities.
    more = make_images(team.dataset, 2)
    enqueue(team, more)
    RankingScore.objects.create(dataset=team.dataset, image=more[0], strategy="margin", score=0.1)
    RankingScore.objects.create(dataset=team.dataset, image=more[1], strategy="margin", score=0.8)
    r = team.c(team.admin).post(
        f"/api/v1/datasets/{team.dataset.pk}/worklist/reprioritise/", {"strategy": "margin"}
    )
    assert r.json() == {"items": 2}
    assert claim(team, reader)["item"]["image"]["id"] == more[1].pk


def test_random_strategy_is_reproducible_from_its_seed_and_limit_takes_the_top(make_team):
    team = make_team("google4")
    images = make_images(team.dataset, 6)
    worklist_enqueue(dataset=team.dataset, image_ids=[i.pk for i in images], seed=7, limit=3)
    queued = dict(WorkItem.objects.values_list("image_id", "priority"))
    ranked = sorted(images, key=lambda i: -random_score(7, i.pk))
    assert set(queued) == {i.pk for i in ranked[:3]}
    assert all(queued[i] == random_score(7, i) for i in queued)
    assert all(0.0 <= p < 1.0 for p in queued.values())


def test_an_item_is_never_served_twice_to_one_reader_nor_beyond_n_readers(make_team):
    team = make_team("google4", readers=4, readers_per_item=3)
    a, b, c, d = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    first = claim(team, a)
    # A asks again: the only item is already theirs, so the same claim comes back.
    again = next_task(team, a)
    assert again["read"]["id"] == first["read"]["id"]
    claim(team, b)
    claim(team, c)
    assert WorkItem.objects.get(image=image).reads_open == 3
    assert next_task(team, d)["task"] is None  # three readers hold it already
    assert Read.objects.filter(image=image).count() == 3


def test_expired_lease_is_reclaimed_and_the_late_submit_is_refused(make_team):
    team = make_team("google4", readers=2, readers_per_item=1)
    a, b = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    stale = claim(team, a)["read"]["id"]
    assert next_task(team, b)["task"] is None
    Read.objects.filter(pk=stale).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    task = claim(team, b)  # B's request reclaims A's expired slot and takes it
    assert task["item"]["image"]["id"] == image.pk
    assert not Read.objects.filter(pk=stale).exists()
    assert WorkItem.objects.get(image=image).reads_open == 1
    r = team.c(a).post(f"/api/v1/reads/{stale}/submit/", {"labels": labels(team.dataset)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "claim_released"
    submit(team, b, task["read"]["id"], {"labels": labels(team.dataset)})
    assert WorkItem.objects.get(image=image).state == "done"


def test_expired_but_not_yet_reclaimed_lease_still_submits(make_team):
    team = make_team("google4", readers_per_item=1)
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_id = claim(team, team.readers[0])["read"]["id"]
    Read.objects.filter(pk=read_id).update(lease_expires_at=timezone.now() - timedelta(minutes=5))
    submit(team, team.readers[0], read_id, {"labels": labels(team.dataset)})
    assert WorkItem.objects.get(image=image).state == "done"


def test_release_and_renew(make_team, settings):
    settings.ARBITER_READ_LEASE_SECONDS = 60
    team = make_team("google4", readers_per_item=1)
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    reader = team.readers[0]
    task = claim(team, reader)
    Read.objects.filter(pk=task["read"]["id"]).update(lease_expires_at=timezone.now() + timedelta(seconds=5))
    r = team.c(reader).post(f"/api/v1/reads/{task['read']['id']}/renew/")
    assert r.status_code == 200
    assert Read.objects.get(pk=task["read"]["id"]).lease_expires_at > timezone.now() + timedelta(seconds=50)
    r = team.c(reader).post(f"/api/v1/reads/{task['read']['id']}/release/")
    assert r.status_code == 204
    assert WorkItem.objects.get(image=image).reads_open == 0
    assert claim(team, team.readers[1])["item"]["image"]["id"] == image.pk


def test_a_reader_may_hold_two_claims_to_preload_the_next_item(make_team):
    team = make_team("google4", readers_per_item=1)
    images = make_images(team.dataset, 3)
    enqueue(team, images)
    reader = team.readers[0]
    one, two, three = (next_task(team, reader) for _ in range(3))
    assert one["read"]["id"] != two["read"]["id"]
    assert three["read"]["id"] == one["read"]["id"]  # at the allowance: the oldest claim again
    r = team.c(reader).get(f"/api/v1/datasets/{team.dataset.pk}/worklist/claims/")
    assert [c["id"] for c in r.json()["results"]] == [one["read"]["id"], two["read"]["id"]]
    submit(team, reader, one["read"]["id"], {"labels": labels(team.dataset)})
    four = next_task(team, reader)
    assert four["read"]["id"] not in (one["read"]["id"], two["read"]["id"])


def test_images_with_open_qc_flags_are_held_and_released(make_team):
    team = make_team("google4", readers_per_item=1)
    flagged, fine = make_images(team.dataset, 2)
    flag = QCFlag.objects.create(image=flagged, kind="rotated", probability=0.97, source_version="rot-v1")
    RankingScore.objects.create(dataset=team.dataset, image=flagged, strategy="entropy", score=0.9)
    RankingScore.objects.create(dataset=team.dataset, image=fine, strategy="entropy", score=0.1)
    assert enqueue(team, [flagged, fine], strategy="entropy")["held_for_qc"] == 1
    assert WorkItem.objects.get(image=flagged).state == "qc_hold"
    reader = team.readers[0]
    task = read_item(team, reader, {"labels": labels(team.dataset)})
    assert task["item"]["image"]["id"] == fine.pk
    assert next_task(team, reader)["task"] is None
    r = team.c(reader).post(
        f"/api/v1/datasets/{team.dataset.pk}/qc-flags/resolve/",
        {"flag_ids": [flag.pk], "action": "correct", "rotate": 90},
    )
    assert r.status_code == 200 and r.json()["released"] == 1
    assert claim(team, reader)["item"]["image"]["id"] == flagged.pk


def test_enqueue_checks_its_input_and_stores_nothing_on_error(make_team):
    team = make_team("google4")
    images = make_images(team.dataset, 2)
    other = make_team("google4")
    foreign = make_images(other.dataset, 1)
    url = f"/api/v1/datasets/{team.dataset.pk}/worklist/enqueue/"
    r = team.c(team.admin).post(url, {"image_ids": [images[0].pk, foreign[0].pk]})
    assert r.status_code == 404 and r.json()["error"]["detail"]["missing"] == [foreign[0].pk]
    r = team.c(team.admin).post(url, {"strategy": "entropy"})
    assert r.status_code == 400 and "no stored scores" in r.json()["error"]["message"]
    r = team.c(team.admin).post(url, {"limit": 0})
    assert r.status_code == 400
    r = team.c(team.readers[0]).post(url, {})
    assert r.status_code == 403
    assert WorkItem.objects.count() == 0 and RankingScore.objects.count() == 0
    assert enqueue(team, images)["queued"] == 2
    assert enqueue(team, images)["skipped"] == 2  # already queued


def test_admin_sees_the_queue_and_its_counts(make_team):
    team = make_team("google4", readers_per_item=2)
    images = make_images(team.dataset, 3)
    enqueue(team, images)
    claim(team, team.readers[0])
    r = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/work-items/", {"state": "reading"})
    assert r.status_code == 200 and r.json()["count"] == 3
    priorities = [row["priority"] for row in r.json()["results"]]
    assert priorities == sorted(priorities, reverse=True)
    summary = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/worklist/summary/").json()
    assert summary["items"]["reading"] == 3 and summary["claimed_reads"] == 1
    assert team.c(team.readers[1]).get(f"/api/v1/datasets/{team.dataset.pk}/work-items/").status_code == 403


def test_the_owed_round_is_found_behind_many_answered_ones(make_team):
    from annotations.models import AdjudicationCase
    from annotations.selectors.worklist import adjudication_task_for

    team = make_team("google4")
    reader = team.readers[0]
    now = timezone.now()
    images = make_images(team.dataset, 61)
    for i, image in enumerate(images):
        Read.objects.create(image=image, reader=reader, round=0, status="submitted", submitted_at=now)
        AdjudicationCase.objects.create(image=image, current_round=1, reader_order=[reader.pk])
        if i < 60:
            Read.objects.create(image=image, reader=reader, round=1, status="submitted", submitted_at=now)
    assert adjudication_task_for(reader=reader, dataset=team.dataset).image_id == images[-1].pk
    Read.objects.create(image=images[-1], reader=reader, round=1, status="submitted", submitted_at=now)
    assert adjudication_task_for(reader=reader, dataset=team.dataset) is None


def test_a_script_gets_its_api_token_with_username_and_password(make_team, make_user):
    from rest_framework.test import APIClient

    from annotations.services.datasets.datasets import membership_grant

    team = make_team("google4")
    user = make_user("script-user", password="s3cret-pass")
    membership_grant(dataset=team.dataset, user=user, role="radiologist")
    client = APIClient()
    r = client.post("/api/v1/auth/token/", {"username": "script-user", "password": "wrong"})
    assert r.status_code == 400
    r = client.post("/api/v1/auth/token/", {"username": "script-user", "password": "s3cret-pass"})
    assert r.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    assert client.post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/").json()["task"] is None
    assert APIClient().post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/").status_code in (401, 403)


def test_the_reading_payload_follows_the_dataset_policy(make_team):
    from annotations.models import Label, Report

    team = make_team(
        "google4", readers_per_item=2, show_report_on_first_read=False, show_model_overlays=False
    )
    [image] = make_images(team.dataset, 1)
    Report.objects.create(study=image.study, text="Small right apical pneumothorax.", text_sha256="x" * 64)
    finding = team.dataset.schema.findings.get(key="Pneumothorax")
    Label.objects.create(image=image, finding=finding, source="nlp", source_version="n1", value="positive",
                         evidence=[{"start": 15, "end": 27, "text": "pneumothorax"}])  # fmt: skip
    Label.objects.create(image=image, finding=finding, source="model", source_version="m1", value="positive",
                         probability=0.91)  # fmt: skip
    enqueue(team, [image])
    a, b = team.readers[:2]
    item = claim(team, a)["item"]
    assert item["report"] is None and item["nlp_labels"] == [] and item["model_labels"] == []
    assert [f["key"] for f in item["findings"]] == [
        "Fracture",
        "Pneumothorax",
        "Airspace opacity",
        "Nodule or mass",
    ]
    submit(team, a, item["current_read"]["id"], {"labels": labels(team.dataset, Pneumothorax="positive")})
    read_item(team, b, {"labels": labels(team.dataset)})
    task = next_task(team, a)  # in adjudication the report is shown, with its NLP evidence
    assert task["task"] == "adjudication"
    assert task["item"]["report"]["text"] == "Small right apical pneumothorax."
    assert task["item"]["nlp_labels"][0]["evidence"][0]["text"] == "pneumothorax"
    assert task["item"]["model_labels"] == []


def test_reads_of_a_final_item_show_letters_to_readers_and_ids_to_admins(make_team):
    team = make_team("google4")
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader in team.readers:
        read_item(team, reader, {"labels": labels(team.dataset), "duration_ms": 1000})
    mine = team.c(team.readers[1]).get("/api/v1/reads/", {"image": image.pk}).json()["results"]
    assert [r["reader"] for r in mine] == ["A", "B", "C"]
    assert [r["reader_id"] for r in mine] == [None, team.readers[1].pk, None]
    assert [r["duration_ms"] for r in mine] == [None, 1000, None]
    admin = team.c(team.admin).get("/api/v1/reads/", {"image": image.pk}).json()["results"]
    assert [r["reader_id"] for r in admin] == [r.pk for r in team.readers]
