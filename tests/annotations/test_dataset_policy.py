"""Editing a dataset's reading policy over the API (PATCH /api/v1/datasets/{id}/policy/): who may,
what is refused (400 with a message per field, nothing stored), the audit trail, and what a new
readers-per-item does to items already in the worklist."""

# ruff: noqa: F811  (the reading tests' fixtures are imported, then named as test arguments)
import pytest

from annotations.models import AuditEvent, Dataset, Label, QCFlag, WorkItem
from annotations.services.datasets.datasets import POLICY_FIELDS
from annotations.services.qc.review import qc_hold_sync
from tests.annotations.reading.conftest import (  # noqa: F401
    _fast_passwords,
    api_client,
    claim,
    enqueue,
    labels,
    make_images,
    make_team,
    read_item,
    submit,
)


def url(dataset_id: int) -> str:
    return f"/api/v1/datasets/{dataset_id}/policy/"


def policy_of(dataset: Dataset) -> dict:
    row = Dataset.objects.get(pk=dataset.pk)
    return {f: getattr(row, f) for f in POLICY_FIELDS}


def item(image) -> WorkItem:
    return WorkItem.objects.get(image=image)


def test_admin_changes_fields_and_the_audit_log_has_before_and_after(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(
        url(team.dataset.pk),
        {"readers_per_item": 2, "show_nlp_evidence": False, "tie_rule": "majority"},  # tie_rule unchanged
        format="json",
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["id"] == team.dataset.pk and body["readers_per_item"] == 2
    assert body["show_nlp_evidence"] is False and "image_count" in body
    row = Dataset.objects.get(pk=team.dataset.pk)
    assert (row.readers_per_item, row.show_nlp_evidence, row.tie_rule) == (2, False, "majority")
    event = AuditEvent.objects.get(action="dataset.policy")
    assert event.actor == team.admin and event.dataset_id == team.dataset.pk
    assert event.object_type == "annotations.dataset" and event.object_id == str(team.dataset.pk)
    assert event.before == {"readers_per_item": 3, "show_nlp_evidence": True}
    assert event.after == {"readers_per_item": 2, "show_nlp_evidence": False}


def test_every_policy_field_can_be_set(make_team):
    team = make_team("google4")
    new = {
        "readers_per_item": 5,
        "max_adjudication_rounds": 0,  # no rounds: the tie rule decides after the first reads
        "tie_rule": "adjudicator",
        "definite_final_labels": True,
        "show_report_on_first_read": False,
        "show_nlp_evidence": False,
        "show_model_overlays": False,
        "show_similar_cases_on_first_read": True,
        "pediatric_age_years": 16.5,
        "acquisition_weights": {"entropy": 1, "rarity": 0.5, "diversity_weight": 0.25, "batch_size": 8},
    }
    r = team.c(team.admin).patch(url(team.dataset.pk), new, format="json")
    assert r.status_code == 200, r.content
    assert policy_of(team.dataset) == new
    assert {k: r.json()[k] for k in new} == new


@pytest.mark.parametrize(
    "weights",
    [
        {},
        {"nlp_disagreement": 2},
        {"name": "entropy", "reduce": "max"},
        {"entropy": 1, "hedges": {"name": "nlp_uncertainty", "weight": 0.5}},
    ],
)
def test_acquisition_weights_take_every_form_the_ranking_reads(make_team, weights):
    team = make_team("google4", acquisition_weights={"margin": 1})
    r = team.c(team.admin).patch(url(team.dataset.pk), {"acquisition_weights": weights}, format="json")
    assert r.status_code == 200, r.content
    assert Dataset.objects.get(pk=team.dataset.pk).acquisition_weights == weights


def test_an_unchanged_value_writes_no_audit_row(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": 3}, format="json")
    assert r.status_code == 200
    assert not AuditEvent.objects.filter(action__in=["dataset.policy", "worklist.readers_resize"]).exists()


def test_a_radiologist_is_refused_and_an_outsider_sees_no_dataset(make_team, make_user):
    team = make_team("google4")
    before = policy_of(team.dataset)
    r = team.c(team.readers[0]).patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    for role_user in (team.adjudicator, team.exporter):
        assert (
            team.c(role_user).patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json").status_code
            == 403
        )
    outsider = api_client(make_user("outsider"))
    r = outsider.patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # An admin of another dataset is an outsider here too.
    other = make_team("google4")
    assert (
        other.c(other.admin).patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json").status_code
        == 404
    )
    for unknown in (999_999, 10**20, "abc"):
        r = team.c(team.admin).patch(url(unknown), {"readers_per_item": 1}, format="json")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", unknown
    from rest_framework.test import APIClient

    assert APIClient().patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json").status_code in (
        401,
        403,
    )
    assert policy_of(team.dataset) == before
    assert not AuditEvent.objects.filter(action="dataset.policy").exists()


def test_staff_may_edit_any_dataset(make_team, make_user):
    team = make_team("google4")
    staff = api_client(make_user("platform", staff=True))
    assert staff.patch(url(team.dataset.pk), {"show_model_overlays": False}, format="json").status_code == 200
    assert Dataset.objects.get(pk=team.dataset.pk).show_model_overlays is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"readers_per_item": 0}, "readers_per_item"),
        ({"readers_per_item": 21}, "readers_per_item"),
        ({"readers_per_item": "three"}, "readers_per_item"),
        ({"readers_per_item": 2.5}, "readers_per_item"),
        ({"readers_per_item": None}, "readers_per_item"),
        ({"max_adjudication_rounds": -1}, "max_adjudication_rounds"),
        ({"max_adjudication_rounds": 11}, "max_adjudication_rounds"),
        ({"tie_rule": "coin_toss"}, "tie_rule"),
        ({"show_nlp_evidence": "perhaps"}, "show_nlp_evidence"),
        ({"pediatric_age_years": 0}, "pediatric_age_years"),
        ({"pediatric_age_years": -3}, "pediatric_age_years"),
        ({"pediatric_age_years": 80}, "pediatric_age_years"),
        ({"pediatric_age_years": "NaN"}, "pediatric_age_years"),
        ({"acquisition_weights": [1, 2]}, "acquisition_weights"),
        ({"acquisition_weights": "entropy"}, "acquisition_weights"),
        ({"acquisition_weights": {"entropyy": 1}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": -1}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": "1"}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": True}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": 0, "rarity": 0}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": 1, "diversity_weight": -1}}, "acquisition_weights"),
        ({"acquisition_weights": {"name": "nope"}}, "acquisition_weights"),
        ({"acquisition_weights": {"entropy": 10**400}}, "acquisition_weights"),
        ({"acquisition_weights": {"name": "rarity", "alpha": 10**400}}, "acquisition_weights"),
        ({"pediatric_age_years": 10**400}, "pediatric_age_years"),
        ({"acquisition_weights": {"name": "entropy", "colour": "red"}}, "acquisition_weights"),
        # One bad field spoils the whole request: the good one is not stored either.
        ({"show_nlp_evidence": False, "readers_per_item": 0}, "readers_per_item"),
        ({"readers": 2}, "readers"),  # a typo is refused, not silently ignored
        ({"slug": "renamed"}, "slug"),  # not a policy field
    ],
)
def test_bad_values_are_refused_with_a_field_message_and_change_nothing(make_team, body, field):
    team = make_team("google4", acquisition_weights={"margin": 1})
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    before = policy_of(team.dataset)
    r = team.c(team.admin).patch(url(team.dataset.pk), body, format="json")
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert field in error["detail"] and error["detail"][field][0], error
    assert policy_of(team.dataset) == before
    assert Dataset.objects.get(pk=team.dataset.pk).slug == team.dataset.slug
    assert item(image).readers_needed == 3
    assert not AuditEvent.objects.filter(action__in=["dataset.policy", "worklist.readers_resize"]).exists()


def test_an_empty_request_is_refused(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(url(team.dataset.pk), {}, format="json")
    assert r.status_code == 400 and "at least one" in r.json()["error"]["message"]


def test_bad_weights_name_the_problem(make_team):
    team = make_team("google4")
    r = team.c(team.admin).patch(
        url(team.dataset.pk), {"acquisition_weights": {"entropyy": 1}}, format="json"
    )
    message = r.json()["error"]["detail"]["acquisition_weights"][0]
    assert "entropyy" in message and "entropy" in message.split("choose from", 1)[1]


def test_fewer_readers_applies_to_open_first_reads_but_never_below_reads_taken(make_team):
    team = make_team("google4", readers=3)
    a, b, c = team.readers
    body = {"labels": labels(team.dataset)}  # every reader answers "negative" everywhere: unanimous
    full, two, one, fresh = make_images(team.dataset, 4)
    # `full`: two reads in and a third reader at work (reads_open 3 of 3).
    enqueue(team, [full])
    read_item(team, a, body)
    read_item(team, b, body)
    in_progress = claim(team, c)
    # `two`: two reads in, no one at work; `one`: one read in; `fresh`: none.
    enqueue(team, [two])
    read_item(team, a, body)
    read_item(team, b, body)
    enqueue(team, [one])
    read_item(team, a, body)
    enqueue(team, [fresh])
    assert {i.pk: item(i).reads_open for i in (full, two, one, fresh)} == {
        full.pk: 3,
        two.pk: 2,
        one.pk: 1,
        fresh.pk: 0,
    }

    r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": 2}, format="json")
    assert r.status_code == 200, r.content

    # The claimed read keeps its slot; the others take the new count.
    assert (item(full).readers_needed, item(full).state) == (3, "reading")
    assert (item(one).readers_needed, item(one).state) == (2, "reading")
    assert (item(fresh).readers_needed, item(fresh).state) == (2, "reading")
    # `two` has all its reads now: its first-read phase closed, unanimously, as on a last submit.
    assert item(two).readers_needed == 2 and item(two).state == "done"
    assert Label.objects.filter(image=two, source="adjudicated").exists()
    resize = AuditEvent.objects.get(action="worklist.readers_resize")
    assert resize.actor == team.admin
    assert resize.after == {"readers_per_item": 2, "resized": 3, "closed": 1}
    # The reader at work finishes `full` with the third read, which closes it.
    submit(team, c, in_progress["read"]["id"], body)
    assert item(full).state == "done"
    # Newly queued items take the new count.
    [later] = make_images(team.dataset, 1)
    enqueue(team, [later])
    assert item(later).readers_needed == 2


def test_more_readers_applies_to_open_first_reads(make_team):
    team = make_team("google4", readers=4)
    a, b, c, d = team.readers
    body = {"labels": labels(team.dataset)}
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_item(team, a, body)
    read_item(team, b, body)
    r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": 4}, format="json")
    assert r.status_code == 200
    assert item(image).readers_needed == 4
    read_item(team, c, body)
    assert item(image).state == "reading"  # three reads no longer finish it
    read_item(team, d, body)
    assert item(image).state == "done"


def test_items_in_adjudication_or_final_keep_their_readers(make_team):
    team = make_team("google4", readers=3)
    a, b, c = team.readers
    disputed, agreed = make_images(team.dataset, 2)
    enqueue(team, [agreed])
    for reader in (a, b, c):
        read_item(team, reader, {"labels": labels(team.dataset)})
    enqueue(team, [disputed])
    read_item(team, a, {"labels": labels(team.dataset, Pneumothorax="positive")})
    read_item(team, b, {"labels": labels(team.dataset)})
    read_item(team, c, {"labels": labels(team.dataset)})
    assert (item(disputed).state, item(agreed).state) == ("adjudicating", "done")
    for readers in (1, 5):
        r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": readers}, format="json")
        assert r.status_code == 200
        assert (item(disputed).readers_needed, item(disputed).state) == (3, "adjudicating")
        assert (item(agreed).readers_needed, item(agreed).state) == (3, "done")


def test_held_items_keep_room_for_one_more_read_and_are_never_closed(make_team):
    team = make_team("google4", readers=3)
    a, b, c = team.readers
    body = {"labels": labels(team.dataset)}
    read_twice, unread = make_images(team.dataset, 2)
    enqueue(team, [read_twice])
    read_item(team, a, body)
    read_item(team, b, body)
    enqueue(team, [unread])
    flags = [QCFlag.objects.create(image=i, kind="rotated", probability=0.9) for i in (read_twice, unread)]
    assert qc_hold_sync(image_ids=[read_twice.pk, unread.pk])["held"] == 2

    r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": 1}, format="json")
    assert r.status_code == 200
    # Two reads are in on a flagged image: it is not finalised; it still wants one more read.
    assert (item(read_twice).readers_needed, item(read_twice).state) == (3, "qc_hold")
    assert (item(unread).readers_needed, item(unread).state) == (1, "qc_hold")
    # Once its flag is rejected (the image is fine) the third read closes it.
    QCFlag.objects.filter(pk=flags[0].pk).update(status="rejected")
    qc_hold_sync(image_ids=[read_twice.pk])
    task = claim(team, c)
    assert task["item"]["image"]["id"] == read_twice.pk
    submit(team, c, task["read"]["id"], body)
    assert item(read_twice).state == "done"


@pytest.mark.parametrize("how", ["released", "lease expired"])
def test_a_slot_given_back_after_fewer_readers_brings_the_item_down_to_the_policy(make_team, how):
    from datetime import timedelta

    from django.utils import timezone

    from annotations.models import Read
    from annotations.services.reading.worklist import leases_reclaim

    team = make_team("google4", readers=3)
    a, b, c = team.readers
    body = {"labels": labels(team.dataset)}  # unanimous
    [image] = make_images(team.dataset, 1)
    enqueue(team, [image])
    read_item(team, a, body)
    read_item(team, b, body)
    at_work = claim(team, c)
    r = team.c(team.admin).patch(url(team.dataset.pk), {"readers_per_item": 2}, format="json")
    assert r.status_code == 200, r.content
    assert (item(image).readers_needed, item(image).state) == (3, "reading")  # c's slot kept it at 3

    read_id = at_work["read"]["id"]
    if how == "released":
        r = team.c(c).post(f"/api/v1/reads/{read_id}/release/")
        assert r.status_code in (200, 204), r.content
    else:
        Read.objects.filter(pk=read_id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        assert leases_reclaim(dataset=team.dataset) == 1

    # Two submitted reads are what the policy now asks: the phase closed as on a last submit.
    assert (item(image).readers_needed, item(image).state) == (2, "done")
    assert Label.objects.filter(image=image, source="adjudicated").exists()
    assert not Read.objects.filter(pk=read_id).exists()
