"""THE blinding rule as a table: role x phase -> what the gatekeepers of annotations.access.blinding
let a user see. Each row is the rule as it stands; changing the rule (on purpose) means changing the
row here, and by accident fails here.

One image, read by A and B (first reads submitted), C holding an unsubmitted claim (blinded), a
radiologist who never touched it, an adjudicator, an admin, an export-only member, platform staff and
an outsider (a radiologist of another dataset). A and B each have rounds 0, 1 and 2 submitted; the
item is then put in each phase. In an open case at round 2, round 2 is still in progress.
"""

import pytest
from django.utils import timezone

from annotations.access.blinding import (
    ItemReads,
    PriorLabels,
    ReadingAids,
    access_agreement_readers,
    access_case,
    access_cases,
    access_item_reads,
    access_model_overlay,
    access_prior_labels,
    access_read,
    access_reader_identity,
    access_reading_aids,
    access_reads,
    access_similar_cases,
)
from annotations.errors import NotFoundError
from annotations.models import AdjudicationCase, Read, WorkItem
from annotations.models.choices import ReadStatus, Role, WorkState
from annotations.services.datasets.datasets import membership_grant
from tests.annotations.reading.conftest import make_images

OPEN, AWAITING, RESOLVED = (
    AdjudicationCase.Status.OPEN,
    AdjudicationCase.Status.AWAITING_ADJUDICATOR,
    AdjudicationCase.Status.RESOLVED,
)
# phase -> (work item state, adjudication case status or None)
PHASES = {
    "reading": (WorkState.READING, None),
    "qc_hold": (WorkState.QC_HOLD, None),
    "excluded": (WorkState.EXCLUDED, None),
    "adjudicating": (WorkState.ADJUDICATING, OPEN),
    "awaiting_adjudicator": (WorkState.AWAITING_ADJUDICATOR, AWAITING),
    "done": (WorkState.DONE, RESOLVED),
}
CURRENT_ROUND = 2  # of the case, where there is one


@pytest.fixture
def scene(make_team, make_user):
    team = make_team("google4", readers=4)
    a, b, c, fresh = team.readers
    [image] = make_images(team.dataset, 1)
    now = timezone.now()
    reads = {}
    for reader in (a, b):
        for r in range(CURRENT_ROUND + 1):
            reads[(reader.pk, r)] = Read.objects.create(
                image=image, reader=reader, round=r, status=ReadStatus.SUBMITTED, submitted_at=now
            )
    Read.objects.create(image=image, reader=c, round=0, status=ReadStatus.CLAIMED)
    item = WorkItem.objects.create(image=image, dataset=team.dataset, readers_needed=3)
    outsider = make_user("outsider")
    other = make_team("google4", readers=1)
    membership_grant(dataset=other.dataset, user=outsider, role=Role.RADIOLOGIST)
    users = {
        "reader": b,  # looks at A's work
        "blinded": c,
        "radiologist": fresh,
        "adjudicator": team.adjudicator,
        "admin": team.admin,
        "exporter": team.exporter,
        "staff": make_user("staff", staff=True),
        "outsider": outsider,
    }
    return {"team": team, "image": image, "item": item, "a": a, "b": b, "users": users, "reads": reads}


def put_in_phase(scene, phase: str) -> tuple[WorkItem, AdjudicationCase | None]:
    state, status = PHASES[phase]
    item = scene["item"]
    WorkItem.objects.filter(pk=item.pk).update(state=state)
    AdjudicationCase.objects.filter(image=scene["image"]).delete()
    case = None
    if status is not None:
        case = AdjudicationCase.objects.create(
            image=scene["image"],
            status=status,
            current_round=CURRENT_ROUND,
            reader_order=[scene["a"].pk, scene["b"].pk],
        )
    return WorkItem.objects.select_related("dataset").get(pk=item.pk), case


NONE = ItemReads(others=False, max_round=None, as_reader=False, reader_ids=False)
BLIND_OVERSEER = ItemReads(others=False, max_round=None, as_reader=False, reader_ids=True)
OVERSEER = ItemReads(others=True, max_round=None, as_reader=False, reader_ids=True)
READER_BLIND = ItemReads(others=False, max_round=None, as_reader=True, reader_ids=False)
READER_COMPLETED = ItemReads(others=True, max_round=CURRENT_ROUND - 1, as_reader=True, reader_ids=False)
READER_ALL = ItemReads(others=True, max_round=None, as_reader=True, reader_ids=False)
MEMBER_DONE = ItemReads(others=True, max_round=None, as_reader=False, reader_ids=False)

# (role, phase) -> what access_item_reads says. First-read phases blind everyone, staff included.
ITEM_READS = {
    "reader": {
        "reading": READER_BLIND,
        "qc_hold": READER_BLIND,
        "excluded": READER_BLIND,
        "adjudicating": READER_COMPLETED,
        "awaiting_adjudicator": READER_ALL,
        "done": READER_ALL,
    },
    "blinded": {"adjudicating": NONE, "awaiting_adjudicator": NONE, "done": MEMBER_DONE},
    "radiologist": {"adjudicating": NONE, "awaiting_adjudicator": NONE, "done": MEMBER_DONE},
    "adjudicator": {"adjudicating": OVERSEER, "awaiting_adjudicator": OVERSEER, "done": OVERSEER},
    "admin": {"adjudicating": OVERSEER, "awaiting_adjudicator": OVERSEER, "done": OVERSEER},
    "staff": {"adjudicating": OVERSEER, "awaiting_adjudicator": OVERSEER, "done": OVERSEER},
    "exporter": {},
    "outsider": {},
}
FIRST_READ_DEFAULT = {
    "reader": READER_BLIND,
    "adjudicator": BLIND_OVERSEER,
    "admin": BLIND_OVERSEER,
    "staff": BLIND_OVERSEER,
}
ROLES = list(ITEM_READS)


def expected_item_reads(role: str, phase: str) -> ItemReads:
    return ITEM_READS[role].get(phase, FIRST_READ_DEFAULT.get(role, NONE))


def visible_rounds(vis: ItemReads) -> set[int]:
    """The rounds of another reader's work that an ItemReads lets through."""
    if not vis.others:
        return set()
    return {r for r in range(CURRENT_ROUND + 1) if vis.max_round is None or r <= vis.max_round}


@pytest.mark.parametrize("phase", list(PHASES))
def test_other_readers_work_by_role_and_phase(scene, phase):
    item, case = put_in_phase(scene, phase)
    a = scene["a"]
    for role, user in scene["users"].items():
        want = expected_item_reads(role, phase)
        assert access_item_reads(user, item, case) == want, (role, phase)
        assert access_item_reads(user, item) == want, (role, phase, "case looked up")
        # The list endpoint's queryset says the same as the per-item rule; outsiders see nothing.
        seen = set(access_reads(user).filter(image=scene["image"], reader=a).values_list("round", flat=True))
        assert seen == (set() if role == "outsider" else visible_rounds(want)), (role, phase)
        # One read by id: visible exactly when the list shows it, else 404.
        round0 = scene["reads"][(a.pk, 0)]
        if 0 in seen:
            assert access_read(user, round0.pk) == round0
        else:
            with pytest.raises(NotFoundError):
                access_read(user, round0.pk)


@pytest.mark.parametrize("phase", list(PHASES))
def test_own_reads_are_always_visible(scene, phase):
    put_in_phase(scene, phase)
    b = scene["b"]
    own = set(access_reads(b).filter(image=scene["image"], reader=b).values_list("round", flat=True))
    assert own == {0, 1, 2}
    blinded = scene["users"]["blinded"]
    claimed = access_reads(blinded).filter(image=scene["image"], reader=blinded)
    assert [r.status for r in claimed] == [ReadStatus.CLAIMED]  # an unsubmitted claim too


CASE_OPENERS = {"reader", "adjudicator", "admin", "staff"}


@pytest.mark.parametrize("phase", ["adjudicating", "awaiting_adjudicator", "done"])
def test_who_may_open_the_adjudication_case(scene, phase):
    _item, case = put_in_phase(scene, phase)
    for role, user in scene["users"].items():
        opens = access_cases(user).filter(pk=case.pk).exists()
        assert opens == (role in CASE_OPENERS), (role, phase)
        if not opens:
            with pytest.raises(NotFoundError):
                access_case(user, case.pk)


# (role, is one of the item's readers) -> reader user ids shown (not only letters)
READER_IDS = {
    ("reader", True): False,
    ("radiologist", False): False,
    ("exporter", False): False,
    ("outsider", False): False,
    ("adjudicator", False): True,
    ("adjudicator", True): False,
    ("admin", False): True,
    ("admin", True): False,
    ("staff", False): True,
}


def test_reader_identity(scene):
    dataset = scene["team"].dataset
    for (role, is_reader), shown in READER_IDS.items():
        assert access_reader_identity(scene["users"][role], dataset, is_reader=is_reader) == shown, role


AGREEMENT_ALL = {"adjudicator", "admin", "staff"}


def test_agreement_rows(scene):
    dataset = scene["team"].dataset
    for role in ("reader", "radiologist", "exporter", "adjudicator", "admin", "staff"):
        user = scene["users"][role]
        want = None if role in AGREEMENT_ALL else user.pk
        assert access_agreement_readers(user, dataset) == want, role


# (show_report_on_first_read, show_nlp_evidence, show_model_overlays) x phase -> aids
FIRST_READ_AID_PHASES = {"reading", "qc_hold"}


@pytest.mark.parametrize("report_on_first_read", [True, False])
@pytest.mark.parametrize("nlp", [True, False])
@pytest.mark.parametrize("model", [True, False])
def test_reading_aids_by_policy_and_phase(scene, report_on_first_read, nlp, model):
    dataset = scene["team"].dataset
    dataset.show_report_on_first_read, dataset.show_nlp_evidence = report_on_first_read, nlp
    dataset.show_model_overlays = model
    dataset.save()
    for phase in PHASES:
        item, _case = put_in_phase(scene, phase)
        report = report_on_first_read or phase not in FIRST_READ_AID_PHASES
        assert access_reading_aids(item) == ReadingAids(
            report=report, nlp_evidence=report and nlp, model_outputs=model
        ), phase


# (show_model_overlays, role) -> overlay allowed
OVERLAY = {
    (True, "reader"): True,
    (True, "blinded"): True,
    (True, "exporter"): True,
    (True, "adjudicator"): True,
    (False, "reader"): False,
    (False, "blinded"): False,
    (False, "radiologist"): False,
    (False, "exporter"): False,
    (False, "adjudicator"): False,
    (False, "admin"): True,
    (False, "staff"): True,
}


def test_model_overlay(scene):
    dataset = scene["team"].dataset
    for (shows, role), allowed in OVERLAY.items():
        dataset.show_model_overlays = shows
        dataset.save()
        assert access_model_overlay(scene["users"][role], dataset) == allowed, (shows, role)


# (show_similar_cases_on_first_read, show_nlp_evidence, role) -> (similar cases, prior labels)
SIMILAR = {
    (False, True, "blinded"): (False, PriorLabels(labels=False, nlp=False)),
    (False, False, "blinded"): (False, PriorLabels(labels=False, nlp=False)),
    (True, True, "blinded"): (True, PriorLabels(labels=True, nlp=True)),
    (True, False, "blinded"): (True, PriorLabels(labels=True, nlp=False)),
    (False, True, "reader"): (True, PriorLabels(labels=True, nlp=True)),
    (False, False, "reader"): (True, PriorLabels(labels=True, nlp=False)),
    (False, True, "radiologist"): (True, PriorLabels(labels=True, nlp=True)),
    (False, True, "adjudicator"): (True, PriorLabels(labels=True, nlp=True)),
    (False, True, "admin"): (True, PriorLabels(labels=True, nlp=True)),
}


@pytest.mark.parametrize("phase", ["reading", "adjudicating", "done"])
def test_similar_cases_and_priors(scene, phase):
    """Decided by the unsubmitted claim and the policy, not by the item's phase."""
    put_in_phase(scene, phase)
    image = scene["image"]
    for (similar_on_first_read, nlp, role), (similar, priors) in SIMILAR.items():
        dataset = image.dataset
        dataset.show_similar_cases_on_first_read, dataset.show_nlp_evidence = similar_on_first_read, nlp
        dataset.save()
        user = scene["users"][role]
        assert access_similar_cases(user, image) == similar, (similar_on_first_read, nlp, role)
        assert access_prior_labels(user, image) == priors, (similar_on_first_read, nlp, role)


def test_submitting_the_first_read_lifts_the_similar_cases_blinding(scene):
    image, blinded = scene["image"], scene["users"]["blinded"]
    image.dataset.show_similar_cases_on_first_read = False
    image.dataset.save()
    assert not access_similar_cases(blinded, image)
    Read.objects.filter(image=image, reader=blinded).update(
        status=ReadStatus.SUBMITTED, submitted_at=timezone.now()
    )
    assert access_similar_cases(blinded, image)
    assert access_prior_labels(blinded, image).labels
