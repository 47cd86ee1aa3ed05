"""Google's protocol preset over the REST API: an uncertain (HEDGE) agreement or majority is never
final, the majority of definite answers decides after the last round, and where there is none an
adjudicator decides present or absent, recorded as such. The earlier behaviour stays available as
the `assisted` preset. Expert labels of another schema never stop a dataset's own findings from
being queued and read."""

from annotations.models import Label, WorkItem
from annotations.services.datasets.schemas import schema_ensure
from annotations.services.labels import expert_labels_import
from tests.annotations.reading.conftest import enqueue, labels, make_images, next_task, read_item, respond


def finals(image, schema: str | None = None) -> dict[str, tuple[str, str]]:
    """{finding: (value, how_reached)} of the image's final labels in the dataset's schema."""
    qs = Label.objects.filter(
        image=image, source="adjudicated", finding__schema__key=schema or image.dataset.schema.key
    )
    return {
        lb.finding.key: (lb.value, lb.provenance.how_reached)
        for lb in qs.select_related("provenance", "finding")
    }


def first_reads(team, image, values: list[str], finding: str = "Pneumothorax") -> None:
    enqueue(team, [image])
    for reader, value in zip(team.readers, values, strict=True):
        read_item(team, reader, {"labels": labels(team.dataset, **{finding.replace(" ", "_"): value})})


def every_round(team, values: list[str], finding: str = "Pneumothorax") -> int:
    """Each reader repeats `values` in every round until the case leaves the rounds; returns the rounds."""
    rounds = 0
    while True:
        task = next_task(team, team.readers[0])
        if task.get("task") != "adjudication":
            return rounds
        rounds += 1
        for reader, value in zip(team.readers, values, strict=True):
            respond(team, reader, task["case"]["id"], {"labels": [{"finding": finding, "value": value}]})


def test_the_google_preset_is_blinded_with_five_rounds_and_definite_labels(make_team):
    team = make_team("google4", preset="google")
    d = team.dataset
    assert (d.readers_per_item, d.max_adjudication_rounds, d.tie_rule, d.definite_final_labels) == (
        3,
        5,
        "majority",
        True,
    )
    assert not (d.show_report_on_first_read or d.show_nlp_evidence or d.show_model_overlays)
    assert not d.show_similar_cases_on_first_read


def test_unanimous_hedge_is_never_final_and_goes_to_the_adjudicator(make_team):
    team = make_team("google4", preset="google")
    [image] = make_images(team.dataset, 1)
    first_reads(team, image, ["uncertain"] * 3)
    assert "Pneumothorax" not in finals(image)
    assert finals(image)["Fracture"] == ("negative", "unanimous")
    assert every_round(team, ["uncertain"] * 3) == 5  # consensus on HEDGE is not final either
    assert WorkItem.objects.get(image=image).state == "awaiting_adjudicator"
    task = next_task(team, team.adjudicator)
    assert task["task"] == "decision" and task["case"]["open_findings"] == ["Pneumothorax"]
    url = f"/api/v1/adjudication-cases/{task['case']['id']}/decide/"
    r = team.c(team.adjudicator).post(url, {"labels": [{"finding": "Pneumothorax", "value": "uncertain"}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "definite_required", r.content
    assert "Pneumothorax" not in finals(image)
    r = team.c(team.adjudicator).post(
        url, {"labels": [{"finding": "Pneumothorax", "value": "negative"}], "reason": "skin fold"}
    )
    assert r.status_code == 200, r.content
    assert finals(image)["Pneumothorax"] == ("negative", "adjudicator")
    assert WorkItem.objects.get(image=image).state == "done"


def test_after_the_last_round_the_majority_of_definite_answers_decides(make_team):
    team = make_team("google4", preset="google")
    yes, hedge_majority, split = make_images(team.dataset, 3)
    first_reads(team, yes, ["positive", "uncertain", "positive"])
    assert every_round(team, ["positive", "uncertain", "positive"]) == 5
    assert finals(yes)["Pneumothorax"] == ("positive", "majority")
    # Two HEDGE against one YES: no definite majority, so the adjudicator decides.
    first_reads(team, hedge_majority, ["uncertain", "positive", "uncertain"])
    every_round(team, ["uncertain", "positive", "uncertain"])
    assert "Pneumothorax" not in finals(hedge_majority)
    assert WorkItem.objects.get(image=hedge_majority).state == "awaiting_adjudicator"
    # YES / NO / HEDGE: none either.
    first_reads(team, split, ["positive", "negative", "uncertain"])
    every_round(team, ["positive", "negative", "uncertain"])
    assert WorkItem.objects.get(image=split).state == "awaiting_adjudicator"


def test_a_reader_changing_to_a_definite_answer_in_a_round_reaches_consensus(make_team):
    team = make_team("google4", preset="google")
    [image] = make_images(team.dataset, 1)
    first_reads(team, image, ["uncertain", "positive", "positive"])
    assert every_round(team, ["positive", "positive", "positive"]) == 1
    assert finals(image)["Pneumothorax"] == ("positive", "consensus")


def test_the_assisted_preset_keeps_an_uncertain_agreement(make_team):
    team = make_team("google4", preset="assisted")
    assert team.dataset.show_report_on_first_read and not team.dataset.definite_final_labels
    [image] = make_images(team.dataset, 1)
    first_reads(team, image, ["uncertain"] * 3)
    assert finals(image)["Pneumothorax"] == ("uncertain", "unanimous")


def test_expert_labels_of_another_schema_leave_the_films_to_be_read(make_team):
    """Google's four findings imported onto ChestX-ray14 films: every film still queues, and its 14
    findings (Pneumothorax included, a name both schemas have) are read to final labels."""
    team = make_team("chestxray14", preset="google")
    images = make_images(team.dataset, 3)
    google4 = schema_ensure("google4")
    for image in images:
        values = {"Fracture": "negative", "Pneumothorax": "positive", "Airspace opacity": "negative"}
        expert_labels_import(
            image=image, schema=google4, values={**values, "Nodule or mass": "negative"}, reason="t"
        )
    got = enqueue(team, images)
    assert (got["queued"], got["skipped"]) == (3, 0)
    for reader in team.readers:
        for _ in images:
            read_item(team, reader, {"labels": labels(team.dataset, Effusion="positive")})
    for image in images:
        item = WorkItem.objects.get(image=image)
        seen = team.c(team.admin).get(f"/api/v1/work-items/{item.pk}/").json()["final_labels"]
        assert {f["finding"]: f["value"] for f in seen}[
            "Pneumothorax"
        ] == "negative"  # the read, not Google's
        got = finals(image)
        assert got["Pneumothorax"] == ("negative", "unanimous") and got["Effusion"] == (
            "positive",
            "unanimous",
        )
        assert got["No Finding"][0] == "negative"
        assert finals(image, "google4")["Pneumothorax"] == ("positive", "imported")
        assert WorkItem.objects.get(image=image).state == "done"
    # Final in the dataset's own schema now: a second enqueue skips them.
    assert enqueue(team, images)["skipped"] == 3
