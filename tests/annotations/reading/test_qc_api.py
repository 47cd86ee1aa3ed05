"""The QC worklist: filtering, bulk confirm / reject / correct, holds on reading, all-or-nothing."""

from annotations.models import AuditEvent, QCFlag, Read, WorkItem
from annotations.selectors.qc_flags import image_display_correction
from tests.annotations.reading.conftest import claim, enqueue, make_images


def flag(image, kind="rotated", p=0.9, version="det-v1"):
    return QCFlag.objects.create(image=image, kind=kind, probability=p, source_version=version)


def test_list_filters_by_kind_and_probability(make_team):
    team = make_team("google4")
    images = make_images(team.dataset, 4)
    f1, f2 = flag(images[0], "rotated", 0.95), flag(images[1], "rotated", 0.40)
    f3 = flag(images[2], "inverted", 0.80)
    flag(images[3], "pediatric", 0.99).__class__.objects.filter(image=images[3]).update(status="rejected")
    url = f"/api/v1/datasets/{team.dataset.pk}/qc-flags/"
    client = team.c(team.readers[0])
    assert [x["id"] for x in client.get(url).json()["results"]] == [f1.pk, f3.pk, f2.pk]
    assert [x["id"] for x in client.get(url, {"kind": "rotated"}).json()["results"]] == [f1.pk, f2.pk]
    got = client.get(url, {"min_probability": 0.5, "max_probability": 0.9}).json()["results"]
    assert [x["id"] for x in got] == [f3.pk]
    assert client.get(url, {"status": "rejected"}).json()["count"] == 1
    assert client.get(url, {"kind": "sideways"}).status_code == 400
    assert team.c(team.exporter).get(url).status_code == 403


def test_bulk_resolution_holds_releases_and_excludes(make_team):
    team = make_team("google4", readers_per_item=1)
    images = make_images(team.dataset, 3)
    enqueue(team, images)
    reader = team.readers[0]
    held_claim = claim(team, reader)
    claimed_image = held_claim["item"]["image"]["id"]
    others = [i for i in images if i.pk != claimed_image]
    flags = [flag(i) for i in images]
    from annotations.services.qc.review import qc_hold_sync

    assert qc_hold_sync(image_ids=[i.pk for i in images]) == {"held": 3, "released": 0, "excluded": 0}
    assert not Read.objects.filter(pk=held_claim["read"]["id"]).exists()  # the claim was released
    assert WorkItem.objects.get(image_id=claimed_image).reads_open == 0
    url = f"/api/v1/datasets/{team.dataset.pk}/qc-flags/resolve/"
    by_image = {f.image_id: f for f in flags}
    r = team.c(reader).post(
        url, {"flag_ids": [by_image[claimed_image].pk], "action": "correct", "rotate": 270, "invert": True}
    )
    assert r.json() == {"resolved": 1, "held": 0, "released": 1, "excluded": 0}
    assert image_display_correction(claimed_image) == {"rotate": 270, "flip": False, "invert": True}
    r = team.c(reader).post(url, {"flag_ids": [by_image[others[0].pk].pk], "action": "reject"})
    assert r.json()["released"] == 1
    r = team.c(reader).post(
        url, {"flag_ids": [by_image[others[1].pk].pk], "action": "confirm", "note": "knee"}
    )
    assert r.json()["excluded"] == 1
    states = dict(WorkItem.objects.values_list("image_id", "state"))
    assert states == {claimed_image: "reading", others[0].pk: "reading", others[1].pk: "excluded"}
    event = AuditEvent.objects.filter(action="qc.confirm").get()
    assert event.before == {"status": "open"} and event.after["status"] == "confirmed"
    r = team.c(reader).post(f"/api/v1/datasets/{team.dataset.pk}/worklist/next/")
    assert r.json()["item"]["image"]["id"] != others[1].pk


def test_resolution_is_all_or_nothing(make_team):
    team = make_team("google4")
    [image] = make_images(team.dataset, 1)
    mine = flag(image)
    other = make_team("google4")
    foreign = flag(make_images(other.dataset, 1)[0])
    url = f"/api/v1/datasets/{team.dataset.pk}/qc-flags/resolve/"
    client = team.c(team.admin)
    r = client.post(url, {"flag_ids": [mine.pk, foreign.pk], "action": "reject"})
    assert r.status_code == 404 and r.json()["error"]["detail"]["missing"] == [foreign.pk]
    r = client.post(url, {"flag_ids": [mine.pk], "action": "correct"})
    assert r.status_code == 400 and "rotates" in r.json()["error"]["message"]
    r = client.post(url, {"flag_ids": [mine.pk], "action": "reject", "rotate": 90})
    assert r.status_code == 400
    r = client.post(url, {"flag_ids": [], "action": "reject"})
    assert r.status_code == 400
    assert (
        QCFlag.objects.get(pk=mine.pk).status == "open" and QCFlag.objects.get(pk=foreign.pk).status == "open"
    )
    assert client.post(url, {"flag_ids": [mine.pk], "action": "reject"}).status_code == 200
    r = client.post(url, {"flag_ids": [mine.pk], "action": "confirm"})
    assert r.status_code == 409 and r.json()["error"]["detail"]["resolved"] == [mine.pk]
    assert team.c(team.exporter).post(url, {"flag_ids": [mine.pk], "action": "reject"}).status_code == 403
