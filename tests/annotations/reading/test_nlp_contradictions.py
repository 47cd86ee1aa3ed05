"""The NLP loop: reports whose NLP label the radiologists' final label contradicts, grouped by rule.

Real pieces end to end: reports stored, the NLP job run through the API (the real labeler, eagerly),
two radiologists reading through the worklist, one disagreement settled in an adjudication round,
then the admin endpoint and the management command.
"""

import io

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Report
from tests.annotations.reading.conftest import enqueue, labels, make_images, next_task, respond, submit

REPORTS = {
    "borderline-1": "FINDINGS: Borderline cardiomegaly. Clear lungs. IMPRESSION: No acute disease.",
    "borderline-2": "FINDINGS: Borderline cardiomegaly. No pleural effusion.",
    "emphysema": "FINDINGS: The lungs are hyperexpanded. IMPRESSION: Findings suggestive of emphysema.",
    "effusion": "FINDINGS: Heart size normal. Small left pleural effusion.",
    "airspace": "FINDINGS: Right basilar airspace disease. No pneumothorax.",
}
# What both radiologists read (findings not named: negative). borderline-2 is disputed: reader A
# first says Cardiomegaly positive, then agrees with B in the adjudication round.
READ = {
    "borderline-1": {"Cardiomegaly": "negative"},
    "borderline-2": {"Cardiomegaly": "negative"},
    "emphysema": {"Emphysema": "positive"},
    "effusion": {"Effusion": "positive"},
    "airspace": {"Infiltration": "positive"},
}


@pytest.fixture
def loop(make_team, eager_celery, django_capture_on_commit_callbacks):
    team = make_team("chestxray14", readers=2, readers_per_item=2, max_adjudication_rounds=2)
    images = make_images(team.dataset, len(REPORTS))
    name_of = {}
    for image, (name, text) in zip(images, REPORTS.items(), strict=True):
        Report.objects.create(study=image.study, text=text, text_sha256=name)
        name_of[image.pk] = name
    with django_capture_on_commit_callbacks(execute=True):
        r = team.c(team.admin).post(f"/api/v1/datasets/{team.dataset.pk}/nlp/")
    assert r.status_code == 202, r.content
    enqueue(team, images)
    a, b = team.readers
    responded: set[tuple[int, int]] = set()
    for reader in (a, b, a, b):
        for _ in range(len(images) + 2):
            task = next_task(team, reader)
            if task["task"] == "read":
                name = name_of[task["item"]["image"]["id"]]
                values = dict(READ[name])
                if name == "borderline-2" and reader == a:
                    values["Cardiomegaly"] = "positive"
                submit(team, reader, task["read"]["id"], {"labels": labels(team.dataset, **values)})
            elif task["task"] == "adjudication" and (reader.pk, task["case"]["id"]) not in responded:
                responded.add((reader.pk, task["case"]["id"]))
                agree = {"labels": [{"finding": "Cardiomegaly", "value": "negative"}]}
                respond(team, reader, task["case"]["id"], agree)
            else:
                break
    assert len(responded) == 2  # one case, both readers answered in its first round
    return team, {name: pk for pk, name in name_of.items()}


def test_contradictions_are_grouped_by_the_rule_that_fired(loop) -> None:
    team, image_of = loop
    r = team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/nlp-contradictions/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["nlp_version"].startswith("arbiter-nlp-") and body["dataset_id"] == team.dataset.pk
    assert body["compared"] == 5 * 15  # every finding (No Finding too) of every image has both labels
    groups = {(g["finding"], g["kind"], g["rule"]): g for g in body["groups"]}
    assert set(groups) == {
        ("Cardiomegaly", "nlp_present", "[probable] phrase 'borderline cardiomegaly'"),
        ("Emphysema", "nlp_absent", "POSSIBLE_EXISTENCE 'suggestive of'"),
        ("Infiltration", "nlp_absent", "no mention"),
        # Derived: not normal by the NLP for the two borderline hearts the readers found normal.
        ("No Finding", "nlp_absent", "No Finding rule (derived from the other findings)"),
    }
    assert body["contradicted"] == 6
    first = body["groups"][0]  # the largest group first: both borderline reports
    assert (first["finding"], first["count"]) == ("Cardiomegaly", 2)
    assert {row["image_id"] for row in first["reports"]} == {
        image_of["borderline-1"],
        image_of["borderline-2"],
    }
    row = first["reports"][0]
    assert (row["nlp_value"], row["final_value"]) == ("positive", "negative")
    span = row["evidence"][0]
    assert span["text"] == "Borderline cardiomegaly" and span["rule"] == "[probable] phrase"
    assert "Borderline cardiomegaly." in span["context"]
    report = Report.objects.get(pk=row["report_id"])
    assert report.text[span["start"] : span["end"]] == span["text"]
    emphysema = groups[("Emphysema", "nlp_absent", "POSSIBLE_EXISTENCE 'suggestive of'")]
    assert emphysema["reports"][0]["nlp_value"] == "uncertain"
    assert groups[("Infiltration", "nlp_absent", "no mention")]["reports"][0]["evidence"] == []


def test_filters_limits_and_who_may_ask(loop) -> None:
    team, _ = loop
    url = f"/api/v1/datasets/{team.dataset.pk}/nlp-contradictions/"
    admin = team.c(team.admin)
    only = admin.get(url, {"finding": "Emphysema"}).json()
    assert [g["finding"] for g in only["groups"]] == ["Emphysema"] and only["contradicted"] == 1
    few = admin.get(url, {"examples": 1}).json()
    assert few["groups"][0]["count"] == 2 and len(few["groups"][0]["reports"]) == 1
    assert admin.get(url, {"examples": 0}).status_code == 400
    missing = admin.get(url, {"nlp_version": "arbiter-nlp-0.0+none"})
    assert missing.status_code == 404 and "no NLP labels of version" in missing.json()["error"]["message"]
    for user in (team.readers[0], team.adjudicator, team.exporter):
        denied = team.c(user).get(url)
        assert denied.status_code == 403 and denied.json()["error"]["code"]
    assert admin.get("/api/v1/datasets/999999/nlp-contradictions/").status_code == 404


def test_the_command_prints_the_same_groups(loop) -> None:
    team, _ = loop
    out = io.StringIO()
    call_command("nlp_contradictions", "--dataset", team.dataset.slug, "--examples", "1", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert "75 final labels compared, 6 contradict the NLP label, in 4 groups" in lines[0]
    top = lines[2].split()
    assert top[:2] == ["2", "Cardiomegaly"] and lines[2].endswith(
        "[probable] phrase 'borderline cardiomegaly'"
    )
    assert "Borderline cardiomegaly." in lines[3]
    assert "(no mention)" in text
    with pytest.raises(CommandError, match="no dataset"):
        call_command("nlp_contradictions", "--dataset", "absent", stdout=io.StringIO())
