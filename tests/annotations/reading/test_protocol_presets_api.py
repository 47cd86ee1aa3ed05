"""Protocol presets over the API (listed; set on a dataset's policy, other fields overriding them),
Google's as the default for datasets the commands create, and the admin view of cases stuck without
an eligible adjudicator."""

import io

import pytest
from django.core.management import CommandError, call_command

from annotations.models import AuditEvent, Dataset, DatasetMembership
from annotations.services.datasets.datasets import membership_grant
from tests.annotations.reading.conftest import enqueue, labels, make_images, read_item


def policy_url(team) -> str:
    return f"/api/v1/datasets/{team.dataset.pk}/policy/"


def test_presets_are_listed_with_their_values_and_google_is_the_default(make_team):
    team = make_team("google4")
    r = team.c(team.readers[0]).get("/api/v1/protocol-presets/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["default"] == "google"
    presets = {p["name"]: p for p in body["presets"]}
    assert {"google", "assisted", "double_read"} <= set(presets)
    google = presets["google"]["values"]
    assert google["max_adjudication_rounds"] == 5 and google["definite_final_labels"] is True
    assert google["show_report_on_first_read"] is False and google["show_nlp_evidence"] is False
    assert google["show_model_overlays"] is False
    assert (
        team.c(team.admin).get(f"/api/v1/datasets/{team.dataset.pk}/").json()["protocol_preset"] == "assisted"
    )


def test_an_admin_sets_a_preset_and_fields_sent_with_it_override_it(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(policy_url(team), {"preset": "google"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["protocol_preset"] == "google" and r.json()["max_adjudication_rounds"] == 5
    row = Dataset.objects.get(pk=team.dataset.pk)
    assert row.definite_final_labels and not row.show_report_on_first_read
    event = AuditEvent.objects.filter(action="dataset.policy").latest("id")
    assert event.after["definite_final_labels"] is True and event.before["max_adjudication_rounds"] == 3
    r = team.c(team.admin).patch(policy_url(team), {"preset": "google", "readers_per_item": 2}, format="json")
    assert r.status_code == 200 and r.json()["readers_per_item"] == 2
    assert r.json()["protocol_preset"] is None  # changed since: no preset matches now


def test_an_unknown_preset_is_refused_and_changes_nothing(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(policy_url(team), {"preset": "nih", "readers_per_item": 2}, format="json")
    assert r.status_code == 400 and "preset" in r.json()["error"]["detail"], r.content
    assert Dataset.objects.get(pk=team.dataset.pk).readers_per_item == 3
    r = team.c(team.readers[0]).patch(policy_url(team), {"preset": "google"}, format="json")
    assert r.status_code == 403


def test_datasets_the_import_commands_create_follow_the_google_preset(db, tmp_path):
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_google4", str(tmp_path), "--dataset", "new-nih", "--create", stdout=io.StringIO()
        )
    new = Dataset.objects.get(slug="new-nih")
    assert new.definite_final_labels and new.max_adjudication_rounds == 5 and not new.show_nlp_evidence
    with pytest.raises(CommandError):
        call_command(
            "import_google4",
            str(tmp_path),
            "--dataset",
            "old",
            "--create",
            "--preset",
            "assisted",
            stdout=io.StringIO(),
        )
    assert Dataset.objects.get(slug="old").show_report_on_first_read


def _awaiting_case(team) -> int:
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    for reader, value in zip(team.readers, ("positive", "negative", "negative"), strict=True):
        read_item(team, reader, {"labels": labels(team.dataset, Fracture=value)})
    return image.adjudication_case.pk


def test_cases_without_an_eligible_adjudicator_are_listed_for_admins(make_team, make_user):
    team = make_team("google4", max_adjudication_rounds=0, tie_rule="adjudicator")
    url = f"/api/v1/datasets/{team.dataset.pk}/stuck-cases/"
    # The only adjudicator is one of the readers: nobody may decide.
    DatasetMembership.objects.filter(user=team.adjudicator).delete()
    membership_grant(dataset=team.dataset, user=team.readers[0], role="adjudicator")
    case_id = _awaiting_case(team)
    r = team.c(team.admin).get(url)
    assert r.status_code == 200, r.content
    assert r.json()["adjudicators"] == 1
    [stuck] = r.json()["cases"]
    assert (stuck["case"], stuck["reason"], stuck["readers"]) == (case_id, "all_adjudicators_read_it", 3)
    # With no adjudicator at all the reason says so.
    DatasetMembership.objects.filter(dataset=team.dataset, role="adjudicator").delete()
    assert team.c(team.admin).get(url).json()["cases"][0]["reason"] == "no_adjudicator"
    # Someone who did not read it takes the role: nothing is stuck any more.
    membership_grant(dataset=team.dataset, user=make_user("fresh-eyes"), role="adjudicator")
    assert team.c(team.admin).get(url).json() == {"adjudicators": 1, "cases": []}
    assert team.c(team.readers[1]).get(url).status_code == 403
