"""Who may see which reads, and an item's read history (every reader's values per round).

The blinding rule, in one place:
- a user always sees their own reads;
- nobody sees another reader's labels or comments on an item while it is still in its first-read
  phase (state reading / qc_hold / excluded), whatever their role: not even staff, because anyone
  who could still read the item must not be anchored by the others;
- in adjudication, the item's own readers see the others' values of completed rounds only (never a
  round still in progress), anonymised as Reader A/B/C; adjudicators and admins who did not read
  the item see every round;
- once the item is final (done), every member with a reading or admin role sees all reads.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from annotations.errors import NotFoundError
from annotations.models import AdjudicationCase, Read, WorkItem
from annotations.models.choices import ReadStatus, Role, WorkState
from annotations.selectors.access import access_datasets, roles_on
from annotations.selectors.read_values import SchemaQuestions

ADJUDICATION_STATES = (WorkState.ADJUDICATING, WorkState.AWAITING_ADJUDICATOR)
SEE_ALL_ROLES = (Role.ADJUDICATOR, Role.ADMIN)
MEMBER_ROLES = (Role.RADIOLOGIST, Role.ADJUDICATOR, Role.ADMIN)


def letter(index: int) -> str:
    """Reader A, B, ... Z, A2, B2, ..."""
    return chr(ord("A") + index % 26) + (str(index // 26 + 1) if index >= 26 else "")


@dataclass
class ReaderRound:
    read_id: int
    round: int
    values: dict[str, str]  # finding key -> value
    comments: dict[str, str]  # finding key -> per-finding comment (non-empty only)
    comment: str
    submitted_at: datetime | None
    duration_ms: int | None


@dataclass
class ReadHistory:
    """Submitted reads of one image: reader ids in first-read order, and their rounds."""

    order: list[int] = field(default_factory=list)
    rounds: dict[int, dict[int, ReaderRound]] = field(default_factory=dict)

    def letter_of(self, reader_id: int) -> str | None:
        return letter(self.order.index(reader_id)) if reader_id in self.order else None

    def answers(self, q: SchemaQuestions, reader_id: int, round_: int) -> dict[str, str]:
        rr = self.rounds.get(reader_id, {}).get(round_)
        return q.answers_from_values(rr.values) if rr else {}

    def latest_answer(self, q: SchemaQuestions, reader_id: int, question: str, upto: int) -> str | None:
        """The reader's answer to `question` in the latest round <= upto in which they gave one."""
        for r in sorted(self.rounds.get(reader_id, {}), reverse=True):
            if r <= upto and question in (a := self.answers(q, reader_id, r)):
                return a[question]
        return None

    def provenance(self, q: SchemaQuestions, question: str) -> list[dict]:
        """Per reader: the rounds they answered `question` in, their values and times."""
        out = []
        for reader_id in self.order:
            entry = {"reader_id": reader_id, "reader": self.letter_of(reader_id), "rounds": [], "values": []}
            entry["submitted_at"] = []
            for r in sorted(self.rounds.get(reader_id, {})):
                answer = self.answers(q, reader_id, r).get(question)
                if answer is not None:
                    entry["rounds"].append(r)
                    entry["values"].append(answer)
                    at = self.rounds[reader_id][r].submitted_at
                    entry["submitted_at"].append(at.isoformat() if at else None)
            entry["value"] = entry["values"][-1] if entry["values"] else None
            out.append(entry)
        return out

    def first_read_at(self) -> datetime | None:
        times = [rs[0].submitted_at for rs in self.rounds.values() if 0 in rs and rs[0].submitted_at]
        return min(times) if times else None


def read_history(image_id: int, *, order: list[int] | None = None) -> ReadHistory:
    """Every submitted read of the image with its labels. `order` (the case's reader order) fixes
    the letters; without it readers are ordered by when they submitted their first read."""
    reads = list(
        Read.objects.filter(image_id=image_id, status=ReadStatus.SUBMITTED)
        .prefetch_related("labels__finding")
        .order_by("round", "submitted_at", "id")
    )
    history = ReadHistory(order=list(order or []))
    for read in reads:
        if read.round == 0 and read.reader_id not in history.order:
            history.order.append(read.reader_id)
        labels = list(read.labels.all())
        history.rounds.setdefault(read.reader_id, {})[read.round] = ReaderRound(
            read_id=read.pk,
            round=read.round,
            values={rl.finding.key: rl.value for rl in labels},
            comments={rl.finding.key: rl.comment for rl in labels if rl.comment},
            comment=read.comment,
            submitted_at=read.submitted_at,
            duration_ms=read.duration_ms,
        )
    return history


def is_reader_of(user, image_id: int) -> bool:
    return Read.objects.filter(image_id=image_id, reader=user, round=0, status=ReadStatus.SUBMITTED).exists()


@dataclass(frozen=True)
class Visibility:
    """What `user` may see of other readers' work on one item."""

    others: bool  # may see other readers' values at all
    max_round: int | None  # highest round of others visible (None: every round)
    as_reader: bool  # the user is one of the item's readers (sees letters, never ids)


def item_visibility(user, item: WorkItem | None, case: AdjudicationCase | None = None) -> Visibility:
    if item is None:
        return Visibility(False, None, False)
    reader = is_reader_of(user, item.image_id) if user.is_authenticated else False
    roles = roles_on(user, item.dataset) if user.is_authenticated else set()
    if item.state == WorkState.DONE:
        return Visibility(bool(roles & set(MEMBER_ROLES)), None, reader)
    if item.state not in ADJUDICATION_STATES:
        return Visibility(False, None, reader)
    if reader:
        case = case or AdjudicationCase.objects.filter(image_id=item.image_id).first()
        if case is None:
            return Visibility(False, None, True)
        if case.status == AdjudicationCase.Status.OPEN:
            return Visibility(True, case.current_round - 1, True)
        return Visibility(True, None, True)
    return Visibility(bool(roles & set(SEE_ALL_ROLES)), None, False)


def _datasets_with(user, roles: tuple[str, ...]) -> QuerySet:
    if user.is_staff:
        return access_datasets(user)
    return access_datasets(user).filter(memberships__user=user, memberships__role__in=roles)


def reads_visible(user) -> QuerySet[Read]:
    """Reads `user` may see, as one queryset (the list endpoint); the rule of the module docstring."""
    if not user.is_authenticated:
        return Read.objects.none()
    member_ds = _datasets_with(user, MEMBER_ROLES)
    overseer_ds = _datasets_with(user, SEE_ALL_ROLES)
    i_read = Exists(
        Read.objects.filter(image_id=OuterRef("image_id"), reader=user, round=0, status=ReadStatus.SUBMITTED)
    )
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


def read_get_visible(user, read_id) -> Read:
    read = reads_visible(user).select_related("image__dataset", "image__work_item").filter(pk=read_id).first()
    if read is None:
        raise NotFoundError("No such read.")
    return read


def cases_visible(user) -> QuerySet[AdjudicationCase]:
    """Cases `user` may open: its own readers, and adjudicators / admins of the dataset."""
    if not user.is_authenticated:
        return AdjudicationCase.objects.none()
    i_read = Exists(
        Read.objects.filter(image_id=OuterRef("image_id"), reader=user, round=0, status=ReadStatus.SUBMITTED)
    )
    return AdjudicationCase.objects.filter(image__dataset__in=access_datasets(user)).filter(
        Q(i_read) | Q(image__dataset__in=_datasets_with(user, SEE_ALL_ROLES))
    )


def case_get_visible(user, case_id) -> AdjudicationCase:
    case = (
        cases_visible(user)
        .select_related("image__dataset__schema", "image__work_item")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFoundError("No such adjudication case.")
    return case


def reader_orders(image_ids: list[int]) -> dict[int, list[int]]:
    """Reader ids per image in letter order (the case's order, else first-read submission order)."""
    orders = dict(
        AdjudicationCase.objects.filter(image_id__in=image_ids).values_list("image_id", "reader_order")
    )
    rest = [i for i in image_ids if i not in orders]
    for image_id, reader_id in (
        Read.objects.filter(image_id__in=rest, round=0, status=ReadStatus.SUBMITTED)
        .order_by("submitted_at", "id")
        .values_list("image_id", "reader_id")
    ):
        orders.setdefault(image_id, []).append(reader_id)
    return orders
