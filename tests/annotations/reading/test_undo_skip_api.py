"""Undo of the last submitted read within a grace period, and skip with a reason (issue #17.5)."""

from datetime import timedelta

from django.utils import timezone

from annotations.models import AuditEvent, Label, Read, ReadSkip
from tests.annotations.reading.conftest import claim, enqueue, labels, make_images, next_task, submit


def test_undo_within_the_grace_period_gives_the_claim_and_the_answers_back(make_team):
    team = make_team(readers=3)
    image = make_images(team.dataset, 1)[0]
    enqueue(team, [image])
    reader = team.readers[0]
    read_id = claim(team, reader)["read"]["id"]
    submit(
        team,
        reader,
        read_id,
        {"labels": labels(team.dataset, Pneumothorax="positive", comments={"Pneumothorax": "apex"})},
    )

    r = team.c(reader).post(f"/api/v1/reads/{read_id}/undo/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["read"]["status"] == "claimed" and body["read"]["submitted_at"] is None
    got = {a["finding"]: (a["value"], a["comment"]) for a in body["answers"]}
    assert got["Pneumothorax"] == ("positive", "apex") and got["Fracture"] == ("negative", "")
    read = Read.objects.get(pk=read_id)
    assert read.status == "claimed" and not read.labels.exists() and read.lease_expires_at > timezone.now()
    assert AuditEvent.objects.filter(action="read.undo", object_id=str(read_id)).exists()
    # Submitted again with a change, it counts once.
    submit(team, reader, read_id, {"labels": labels(team.dataset)})
    assert Read.objects.get(pk=read_id).labels.get(finding__key="Pneumothorax").value == "negative"
    # A second undo of a read undone and resubmitted is allowed while still in the grace period; a
    # stranger cannot undo it (404), nor can anyone after the grace period (409).
    assert team.c(team.readers[1]).post(f"/api/v1/reads/{read_id}/undo/").status_code == 404
    Read.objects.filter(pk=read_id).update(submitted_at=timezone.now() - timedelta(seconds=61))
    r = team.c(reader).post(f"/api/v1/reads/{read_id}/undo/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "undo_expired"
    assert Read.objects.get(pk=read_id).status == "submitted"  # nothing changed


def test_undo_is_refused_once_the_read_closed_the_item(make_team):
    team = make_team(readers=1, readers_per_item=1)
    image = make_images(team.dataset, 1)[0]
    enqueue(team, [image])
    reader = team.readers[0]
    read_id = claim(team, reader)["read"]["id"]
    submit(team, reader, read_id, {"labels": labels(team.dataset)})
    assert Label.objects.filter(image=image, source="adjudicated").exists()
    r = team.c(reader).post(f"/api/v1/reads/{read_id}/undo/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "phase_closed"
    assert Read.objects.get(pk=read_id).status == "submitted"
    # A claim (never submitted) has nothing to undo.
    other = make_images(team.dataset, 1)[0]
    enqueue(team, [other])
    claimed = claim(team, reader)["read"]["id"]
    assert team.c(reader).post(f"/api/v1/reads/{claimed}/undo/").json()["error"]["code"] == "not_submitted"


def test_skip_with_a_reason_frees_the_slot_and_never_offers_the_item_again(make_team):
    team = make_team(readers=2, readers_per_item=1)
    first, second = make_images(team.dataset, 2)
    enqueue(team, [first, second])
    reader, other = team.readers
    task = claim(team, reader)
    read_id, skipped_image = task["read"]["id"], task["item"]["image"]["id"]

    bad = team.c(reader).post(f"/api/v1/reads/{read_id}/skip/", {"reason": "other"})
    assert bad.status_code == 400 and "note" in bad.content.decode().lower()
    bad = team.c(reader).post(f"/api/v1/reads/{read_id}/skip/", {"reason": "bored"})
    assert bad.status_code == 400
    assert Read.objects.filter(pk=read_id, status="claimed").exists()  # a refused skip loses nothing

    r = team.c(reader).post(
        f"/api/v1/reads/{read_id}/skip/", {"reason": "non_diagnostic", "note": "motion blur"}
    )
    assert r.status_code == 204, r.content
    skip = ReadSkip.objects.get(reader=reader)
    assert (skip.image_id, skip.reason, skip.note) == (skipped_image, "non_diagnostic", "motion blur")
    assert not Read.objects.filter(pk=read_id).exists()
    # The reader gets the other image, and then nothing (never the skipped one again).
    nxt = claim(team, reader)
    assert nxt["item"]["image"]["id"] != skipped_image
    submit(team, reader, nxt["read"]["id"], {"labels": labels(team.dataset)})
    assert next_task(team, reader)["task"] is None
    # Another reader gets the skipped item.
    assert claim(team, other)["item"]["image"]["id"] == skipped_image


def test_skip_reasons_are_listed_with_the_undo_grace(make_team):
    team = make_team(readers=1)
    r = team.c(team.readers[0]).get("/api/v1/skip-reasons/")
    assert r.status_code == 200 and r["X-Undo-Grace-Seconds"] == "60"
    keys = [x["key"] for x in r.json()]
    assert keys == ["non_diagnostic", "wrong_image", "outside_expertise", "conflict", "other"]
