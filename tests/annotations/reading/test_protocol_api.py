"""The whole reading protocol over the REST API with several users: unanimous, consensus after a
round, majority after the round limit, adjudicator decision, corrections, single-choice and derived
findings. Runs on PostgreSQL (DATABASE_URL) and on SQLite."""

from annotations.models import AuditEvent, Label, LabelProvenance, Read, WorkItem
from tests.annotations.reading.conftest import (
    claim,
    enqueue,
    labels,
    make_images,
    next_task,
    read_item,
    respond,
    submit,
)


def finals(team, image) -> dict:
    r = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/final-labels/", {"image": image.pk})
    assert r.status_code == 200, r.content
    return {row["finding"]: row for row in r.json()["results"]}


def test_unanimous_first_reads_are_final_with_provenance(make_team):
    team = make_team("google4")
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    body = {"labels": labels(team.dataset, Pneumothorax="positive"), "comment": "clear", "duration_ms": 4200}
    for reader in team.readers:
        task = read_item(team, reader, body)
        assert task["item"]["image"]["id"] == image.pk
    got = finals(team, image)
    assert {k: v["value"] for k, v in got.items()} == {
        "Fracture": "negative",
        "Pneumothorax": "positive",
        "Airspace opacity": "negative",
        "Nodule or mass": "negative",
    }
    prov = got["Pneumothorax"]["provenance"]
    assert prov["how_reached"] == "unanimous" and prov["rounds"] == 0
    assert [p["reader_id"] for p in prov["readers"]] == [r.pk for r in team.readers]
    assert all(p["rounds"] == [0] and p["values"] == ["positive"] for p in prov["readers"])
    assert prov["first_read_at"] is not None
    assert got["Pneumothorax"]["version"] == "1"
    assert WorkItem.objects.get(image=image).state == "done"
    assert Read.objects.get(image=image, reader=team.readers[0]).duration_ms == 4200
    # Every step is in the audit log.
    actions = set(AuditEvent.objects.filter(dataset=team.dataset).values_list("action", flat=True))
    assert {"worklist.enqueue", "read.claim", "read.submit", "labels.finalise", "item.done"} <= actions
    assert next_task(team, team.readers[0])["task"] is None


def test_consensus_after_one_round_and_adjudication_comes_before_new_reads(make_team):
    team = make_team("google4", max_adjudication_rounds=3)
    a, b, c = team.readers
    first, second = make_images(team.dataset, 2)
    enqueue(team, [first])
    read_item(team, a, {"labels": labels(team.dataset, Pneumothorax="positive"), "comment": "apical line"})
    read_item(team, b, {"labels": labels(team.dataset), "comment": "no pneumothorax"})
    read_item(team, c, {"labels": labels(team.dataset, Pneumothorax="positive")})
    assert WorkItem.objects.get(image=first).state == "adjudicating"
    # The agreed findings are already final; the disputed one is not.
    assert set(finals(team, first)) == set()  # not published until the item is done
    assert Label.objects.filter(image=first, source="adjudicated").count() == 3
    enqueue(team, [second])
    task = next_task(team, b)
    assert task["task"] == "adjudication", "adjudication comes before new reads"
    case = task["case"]
    assert case["open_findings"] == ["Pneumothorax"] and case["current_round"] == 1
    assert case["my_letter"] == "B" and case["awaiting_my_answer"] is True
    others = {r["reader"]: r for r in case["readers"] if not r["is_me"]}
    assert set(others) == {"A", "C"} and all(r["reader_id"] is None for r in others.values())
    assert others["A"]["rounds"][0]["comment"] == "apical line"
    value_of = {e["finding"]: e["value"] for e in others["A"]["rounds"][0]["labels"]}
    assert value_of["Pneumothorax"] == "positive"
    keep = {"labels": [{"finding": "Pneumothorax", "value": "positive"}], "comment": "agree on review"}
    for reader in (a, b, c):
        respond(team, reader, case["id"], keep)
    got = finals(team, first)
    prov = got["Pneumothorax"]["provenance"]
    assert prov["how_reached"] == "consensus" and prov["rounds"] == 1
    b_entry = next(p for p in prov["readers"] if p["reader_id"] == b.pk)
    assert b_entry["rounds"] == [0, 1] and b_entry["values"] == ["negative", "positive"]
    assert got["Fracture"]["provenance"]["how_reached"] == "unanimous"
    assert WorkItem.objects.get(image=first).state == "done"
    assert next_task(team, b)["task"] == "read"  # now the new item


def test_majority_decides_after_the_round_limit(make_team):
    team = make_team("google4", max_adjudication_rounds=1, tie_rule="majority")
    a, b, c = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader, value in ((a, "positive"), (b, "negative"), (c, "positive")):
        read_item(team, reader, {"labels": labels(team.dataset, Nodule_or_mass=value)})
    case_id = next_task(team, a)["case"]["id"]
    for reader, value in ((a, "positive"), (b, "negative"), (c, "positive")):
        respond(team, reader, case_id, {"labels": [{"finding": "Nodule or mass", "value": value}]})
    got = finals(team, image)["Nodule or mass"]
    assert got["value"] == "positive"
    assert got["provenance"]["how_reached"] == "majority" and got["provenance"]["rounds"] == 1
    assert got["provenance"]["decided_by"] is None


def test_no_strict_majority_goes_to_the_adjudicator(make_team):
    team = make_team("google4", max_adjudication_rounds=0, tie_rule="majority")
    a, b, c = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader, value in ((a, "positive"), (b, "negative"), (c, "uncertain")):
        read_item(team, reader, {"labels": labels(team.dataset, Fracture=value)})
    assert WorkItem.objects.get(image=image).state == "awaiting_adjudicator"
    task = next_task(team, team.adjudicator)
    assert task["task"] == "decision" and task["case"]["open_findings"] == ["Fracture"]
    r = team.c(team.adjudicator).post(
        f"/api/v1/adjudication-cases/{task['case']['id']}/decide/",
        {"labels": [{"finding": "Fracture", "value": "negative"}], "reason": "old healed rib, not acute"},
    )
    assert r.status_code == 200, r.content
    got = finals(team, image)["Fracture"]
    assert got["value"] == "negative" and got["provenance"]["how_reached"] == "adjudicator"
    assert got["provenance"]["decided_by"] == team.adjudicator.pk
    assert got["provenance"]["reason"] == "old healed rib, not acute"


def test_adjudicator_rule_after_rounds_and_a_reader_cannot_decide_their_own_item(make_team):
    from annotations.services.datasets.datasets import membership_grant

    team = make_team("google4", max_adjudication_rounds=1, tie_rule="adjudicator")
    a, b, c = team.readers
    membership_grant(dataset=team.dataset, user=a, role="adjudicator")
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader, value in ((a, "positive"), (b, "positive"), (c, "negative")):
        read_item(team, reader, {"labels": labels(team.dataset, Airspace_opacity=value)})
    case_id = next_task(team, c)["case"]["id"]
    # Round 1: the majority would be positive, but the rule is the adjudicator's.
    for reader, value in ((a, "positive"), (b, "positive"), (c, "negative")):
        respond(team, reader, case_id, {"labels": [{"finding": "Airspace opacity", "value": value}]})
    assert WorkItem.objects.get(image=image).state == "awaiting_adjudicator"
    decide = {"labels": [{"finding": "Airspace opacity", "value": "negative"}], "reason": "atelectasis only"}
    r = team.c(a).post(f"/api/v1/adjudication-cases/{case_id}/decide/", decide)
    assert r.status_code == 403 and "read this item" in r.json()["error"]["message"]
    r = team.c(b).post(f"/api/v1/adjudication-cases/{case_id}/decide/", decide)
    assert r.status_code == 403  # a radiologist without the adjudicator role
    r = team.c(team.adjudicator).post(f"/api/v1/adjudication-cases/{case_id}/decide/", decide)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "resolved"
    got = finals(team, image)["Airspace opacity"]
    assert got["provenance"]["how_reached"] == "adjudicator" and got["provenance"]["rounds"] == 1
    assert got["provenance"]["decided_by"] == team.adjudicator.pk
    r = team.c(team.adjudicator).post(f"/api/v1/adjudication-cases/{case_id}/decide/", decide)
    assert r.status_code == 409


def test_correction_creates_version_2_and_keeps_version_1(make_team):
    team = make_team("google4", readers_per_item=1)
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_item(team, team.readers[0], {"labels": labels(team.dataset)})
    v1 = finals(team, image)["Fracture"]
    admin = team.c(team.admin)
    r = team.c(team.exporter).post(
        f"/api/v1/final-labels/{v1['id']}/correct/", {"value": "positive", "reason": "x"}
    )
    assert r.status_code == 403
    r = admin.post(f"/api/v1/final-labels/{v1['id']}/correct/", {"value": "positive", "reason": ""})
    assert r.status_code == 400
    r = admin.post(
        f"/api/v1/final-labels/{v1['id']}/correct/", {"value": "positive", "reason": "rib fracture on review"}
    )
    assert r.status_code == 201, r.content
    [v2] = r.json()
    assert v2["version"] == "2" and v2["value"] == "positive"
    assert v2["provenance"]["how_reached"] == "correction" and v2["provenance"]["supersedes"] == v1["id"]
    assert v2["provenance"]["decided_by"] == team.admin.pk
    assert finals(team, image)["Fracture"]["id"] == v2["id"]
    old = Label.objects.get(pk=v1["id"])
    assert old.value == "negative"  # version 1 is untouched
    history = admin.get(f"/api/v1/final-labels/{v2['id']}/").json()["versions"]
    assert [(h["version"], h["value"]) for h in history] == [("1", "negative"), ("2", "positive")]
    r = admin.post(f"/api/v1/final-labels/{v1['id']}/correct/", {"value": "uncertain", "reason": "again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "superseded"
    event = AuditEvent.objects.get(action="label.correct")
    assert event.actor == team.admin
    assert event.before["Fracture"] == {"value": "negative", "version": "1"}
    assert event.after["Fracture"] == {"value": "positive", "version": "2"}


def test_derived_no_finding_and_its_re_derivation_on_correction(make_team):
    team = make_team("chestxray14", readers_per_item=2)
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader in team.readers[:2]:
        read_item(team, reader, {"labels": labels(team.dataset)})
    got = finals(team, image)
    assert got["No Finding"]["value"] == "positive"
    assert len(got) == 15
    r = team.c(team.adjudicator).post(
        f"/api/v1/final-labels/{got['No Finding']['id']}/correct/", {"value": "negative", "reason": "x"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "derived_finding"
    r = team.c(team.adjudicator).post(
        f"/api/v1/final-labels/{got['Effusion']['id']}/correct/",
        {"value": "positive", "reason": "small effusion"},
    )
    assert r.status_code == 201, r.content
    assert {lb["finding"]: lb["value"] for lb in r.json()} == {
        "Effusion": "positive",
        "No Finding": "negative",
    }
    assert finals(team, image)["No Finding"]["version"] == "2"


def test_single_choice_schema_reads_one_class_and_reaches_consensus(make_team):
    team = make_team("oct4", modality="OCT", max_adjudication_rounds=2)
    a, b, c = team.readers
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    task = claim(team, a)
    r = team.c(a).post(f"/api/v1/reads/{task['read']['id']}/submit/", {"labels": labels(team.dataset)})
    assert r.status_code == 400 and "single-choice" in r.json()["error"]["message"]
    submit(team, a, task["read"]["id"], {"choice": "CNV"})
    read_item(team, b, {"choice": "DME"})
    read_item(team, c, {"choice": "CNV"})
    case = next_task(team, b)["case"]
    assert case["open_findings"] == ["CNV", "DME", "DRUSEN", "NORMAL"]
    for reader in (a, b, c):
        respond(team, reader, case["id"], {"choice": "CNV", "comment": "subretinal fluid"})
    got = finals(team, image)
    assert {k: v["value"] for k, v in got.items()} == {
        "CNV": "positive",
        "DME": "negative",
        "DRUSEN": "negative",
        "NORMAL": "negative",
    }
    prov = got["CNV"]["provenance"]
    assert prov["how_reached"] == "consensus" and prov["rounds"] == 1
    assert [p["values"] for p in prov["readers"]] == [["CNV", "CNV"], ["DME", "CNV"], ["CNV", "CNV"]]
    assert LabelProvenance.objects.filter(label__image=image).count() == 4


def test_revising_a_first_read_is_allowed_only_while_still_blinded(make_team):
    team = make_team("google4", readers_per_item=2)
    a, b = team.readers[:2]
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    task = read_item(team, a, {"labels": labels(team.dataset)})
    read_id = task["read"]["id"]
    r = team.c(a).post(
        f"/api/v1/reads/{read_id}/revise/", {"labels": labels(team.dataset, Fracture="uncertain")}
    )
    assert r.status_code == 200, r.content
    assert {e["finding"]: e["value"] for e in r.json()["labels"]}["Fracture"] == "uncertain"
    assert AuditEvent.objects.get(action="read.revise").before["Fracture"] == "negative"
    read_item(team, b, {"labels": labels(team.dataset, Fracture="uncertain")})
    r = team.c(a).post(f"/api/v1/reads/{read_id}/revise/", {"labels": labels(team.dataset)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phase_closed"
    assert finals(team, image)["Fracture"]["value"] == "uncertain"
