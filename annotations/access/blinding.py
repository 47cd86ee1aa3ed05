"""THE blinding rule: what a user may see, now, of other readers' work, of the aids around a read
(report, NLP evidence, model outputs), of similar cases and priors, and of model overlays.

Every module that shows any of these asks the `access_*` gatekeepers below and decides nothing about
visibility itself (tests/annotations/access/ holds the rule as a table, and fails
if any module outside annotations/access reads the dataset's visibility policy fields).

Other readers' work on an item:
- a user always sees their own reads;
- nobody sees another reader's labels or comments on an item while it is still in its first-read
  phase (state reading / qc_hold / excluded), whatever their role: not even staff, because anyone
  who could still read the item must not be anchored by the others;
- in adjudication, the item's own readers see the others' values of completed rounds only (never a
  round still in progress), anonymised as Reader A/B/C; adjudicators and admins who did not read
  the item see every round;
- once the item is final (done), every member with a reading or admin role sees all reads.
Reader identities: the letters (Reader A/B/C) are shown to whoever may see the reads; the reader's
user id only to the reader themself and to adjudicators and admins who did not read the item.
"""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from annotations.access.datasets import access_datasets, roles_on
from annotations.errors import NotFoundError
from annotations.models import AdjudicationCase, Dataset, Image, Read, WorkItem
from annotations.models.choices import ReadStatus, Role, WorkState

# The phases of an item, as the rule sees them.
ADJUDICATION_STATES = (WorkState.ADJUDICATING, WorkState.AWAITING_ADJUDICATOR)
# Reading aids (the report and what is read from it) follow the dataset's first-read policy in these.
FIRST_READ_AID_STATES = (WorkState.READING, WorkState.QC_HOLD)
# Who sees what once the blinding lifts.
OVERSEER_ROLES = (Role.ADJUDICATOR, Role.ADMIN)  # every round in adjudication; reader ids
MEMBER_ROLES = (Role.RADIOLOGIST, Role.ADJUDICATOR, Role.ADMIN)  # every read once the item is done


def _holds(user, dataset: Dataset, roles: tuple[str, ...]) -> bool:
    return bool(roles_on(user, dataset) & set(roles))


def _sees_reader_ids(roles: set[str], *, is_reader: bool) -> bool:
    return not is_reader and bool(roles & set(OVERSEER_ROLES))


def is_reader_of(user, image_id: int) -> bool:
    """The user submitted a first read (round 0) of the image: they are one of its readers."""
    return Read.objects.filter(image_id=image_id, reader=user, round=0, status=ReadStatus.SUBMITTED).exists()


# --- Other readers' work -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemReads:
    """What `user` may see of other readers' work on one item."""

    others: bool  # may see other readers' values at all
    max_round: int | None  # highest round of others visible (None: every round)
    as_reader: bool  # the user is one of the item's readers (sees letters, never ids)
    reader_ids: bool = False  # may see the other readers' user ids (not only their letters)


def access_item_reads(user, item: WorkItem | None, case: AdjudicationCase | None = None) -> ItemReads:
    """Whose reads on `item`, up to which round, and under which names `user` may see now."""
    if item is None:
        return ItemReads(False, None, False)
    reader = is_reader_of(user, item.image_id) if user.is_authenticated else False
    roles = roles_on(user, item.dataset) if user.is_authenticated else set()
    ids = _sees_reader_ids(roles, is_reader=reader)
    if item.state == WorkState.DONE:
        return ItemReads(bool(roles & set(MEMBER_ROLES)), None, reader, ids)
    if item.state not in ADJUDICATION_STATES:
        return ItemReads(False, None, reader, ids)
    if reader:
        case = case or AdjudicationCase.objects.filter(image_id=item.image_id).first()
        if case is None:
            return ItemReads(False, None, True, ids)
        if case.status == AdjudicationCase.Status.OPEN:
            return ItemReads(True, case.current_round - 1, True, ids)
        return ItemReads(True, None, True, ids)
    return ItemReads(bool(roles & set(OVERSEER_ROLES)), None, False, ids)


def access_reader_identity(user, dataset: Dataset, *, is_reader: bool) -> bool:
    """Whether `user` sees other readers' user ids (not only their letters) on an item of `dataset`:
    only an adjudicator or admin who is not one of the item's readers (a reader stays anonymous to
    the others, and they to them)."""
    return not is_reader and _sees_reader_ids(roles_on(user, dataset), is_reader=False)


def access_agreement_readers(user, dataset: Dataset) -> int | None:
    """Whose per-reader agreement rows `user` sees: every reader's (None) for adjudicators and
    admins, else only their own (their user id)."""
    return None if _holds(user, dataset, OVERSEER_ROLES) else user.pk


def _datasets_with(user, roles: tuple[str, ...]) -> QuerySet:
    if user.is_staff:
        return access_datasets(user)
    return access_datasets(user).filter(memberships__user=user, memberships__role__in=roles)


def _i_read(user) -> Exists:
    return Exists(
        Read.objects.filter(image_id=OuterRef("image_id"), reader=user, round=0, status=ReadStatus.SUBMITTED)
    )


def access_reads(user) -> QuerySet[Read]:
    """Every read `user` may see, as one queryset (the list endpoint): the rule of the module
    docstring, written for the database (the same rule as access_item_reads)."""
    if not user.is_authenticated:
        return Read.objects.none()
    member_ds = _datasets_with(user, MEMBER_ROLES)
    overseer_ds = _datasets_with(user, OVERSEER_ROLES)
    i_read = _i_read(user)
    state = "image__work_item__state"
    case_status = "image__adjudication_case__status"
    in_adjudication = Q(**{f"{state}__in": ADJUDICATION_STATES})
    completed_round = Q(round__lt=F("image__adjudication_case__current_round")) | ~Q(
        **{case_status: AdjudicationCase.Status.OPEN}
    )
    others = Q(status=ReadStatus.SUBMITTED) & (
        Q(**{state: WorkState.DONE}, image__dataset__in=member_ds)
        | (in_adjudication & Q(i_read) & completed_round)
        | (in_adjudication & ~Q(i_read) & Q(image__dataset__in=overseer_ds))
    )
    return Read.objects.filter(Q(reader=user) | others).filter(image__dataset__in=access_datasets(user))


def access_read(user, read_id) -> Read:
    """One read if `user` may see it, else 404 (an invisible read does not exist for them)."""
    read = access_reads(user).select_related("image__dataset", "image__work_item").filter(pk=read_id).first()
    if read is None:
        raise NotFoundError("No such read.")
    return read


def access_cases(user) -> QuerySet[AdjudicationCase]:
    """Adjudication cases `user` may open: the item's own readers, and adjudicators / admins of the
    dataset (what each of them sees inside a case is access_item_reads)."""
    if not user.is_authenticated:
        return AdjudicationCase.objects.none()
    return AdjudicationCase.objects.filter(image__dataset__in=access_datasets(user)).filter(
        Q(_i_read(user)) | Q(image__dataset__in=_datasets_with(user, OVERSEER_ROLES))
    )


def access_case(user, case_id) -> AdjudicationCase:
    """One case if `user` may open it, else 404."""
    case = (
        access_cases(user)
        .select_related("image__dataset__schema", "image__work_item")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundError("No such adjudication case.")
    return case


# --- Aids around a read --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingAids:
    """Which aids the reading screen shows with an item."""

    report: bool  # the study's report (and, through it, what is read from the report)
    nlp_evidence: bool  # NLP labels and report flags read from the report
    model_outputs: bool  # the model's labels (probabilities) for the image


def access_reading_aids(item: WorkItem) -> ReadingAids:
    """The dataset's policy: the report is hidden during the first read (reading, qc_hold) unless
    `show_report_on_first_read`; NLP evidence goes with the report and `show_nlp_evidence`; model
    outputs follow `show_model_overlays` in every phase. The same for every role."""
    dataset = item.dataset
    report = dataset.show_report_on_first_read or item.state not in FIRST_READ_AID_STATES
    return ReadingAids(
        report=report,
        nlp_evidence=report and dataset.show_nlp_evidence,
        model_outputs=dataset.show_model_overlays,
    )


def access_machine_labels(user, image: Image) -> tuple[str, ...]:
    """Which machine label sources ("nlp", "model") of `image` `user` may read outside the reading
    screen (the image page, `GET /images/{id}/labels/`): the same aids the reading screen shows with
    the image's item now (`access_reading_aids`), so a reader cannot fetch there what a blinded read
    hides; every source to the dataset's admins, and for an image not queued for reading."""
    item = WorkItem.objects.filter(image=image).select_related("dataset").first()
    if item is None or Role.ADMIN in roles_on(user, image.dataset):
        return ("nlp", "model")
    aids = access_reading_aids(item)
    return tuple(
        source for source, shown in (("nlp", aids.nlp_evidence), ("model", aids.model_outputs)) if shown
    )


def access_model_overlay(user, dataset: Dataset) -> bool:
    """Whether `user` may see a model's overlay of an image of `dataset`: where the dataset shows
    model outputs, or to its admins, who manage the models. An overlay is the model's output, never
    another reader's label, so the first-read blinding of reader labels does not apply beyond that."""
    return dataset.show_model_overlays or Role.ADMIN in roles_on(user, dataset)


# --- Similar cases and priors ---------------------------------------------------------------------


def in_blinded_first_read(user, image: Image) -> bool:
    """True while `user` holds a claimed, unsubmitted first read (round 0) of the image."""
    return Read.objects.filter(image=image, reader=user, round=0, status=ReadStatus.CLAIMED).exists()


def access_similar_cases(user, image: Image) -> bool:
    """Whether `user` may see the similar (adjudicated) cases of `image`: not while they hold an
    unsubmitted first read of it, unless the dataset's `show_similar_cases_on_first_read` allows;
    always once it is submitted, in adjudication, and to everyone else."""
    return image.dataset.show_similar_cases_on_first_read or not in_blinded_first_read(user, image)


@dataclass(frozen=True)
class PriorLabels:
    """Which labels come with the same patient's other studies."""

    labels: bool  # any labels at all (published final labels)
    nlp: bool  # NLP labels where an image has no final labels


def access_prior_labels(user, image: Image) -> PriorLabels:
    """The priors themselves are always listed; their labels are hidden exactly when similar cases
    are (a blinded first read), and NLP labels stand in only where the dataset shows NLP evidence."""
    labels = access_similar_cases(user, image)
    return PriorLabels(labels=labels, nlp=labels and image.dataset.show_nlp_evidence)
