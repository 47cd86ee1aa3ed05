"""The reading worklist: selecting images for review, their priority, and serving the next task.

`worklist_next` gives a reader, in this order: an adjudication round they owe, a case waiting for
an adjudicator (adjudicator role, not one of its readers), then a new first read: the
highest-priority item that still needs a read from someone other than this reader. The claim is a
Read row with a lease, made in one transaction with the item's `reads_open` counter; on PostgreSQL
the item row is taken with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent readers never wait on
one another and never over-assign (the database also refuses reads_open > readers_needed). On
SQLite writers are serialised (BEGIN IMMEDIATE), which gives the same guarantee. Expired leases are
reclaimed lazily by every call.

`worklist_readers_resize` applies a changed readers-per-item to the queue: items still taking first
reads get the new value, never below the first reads already submitted or claimed (a reader at work
keeps their slot); an item that then has all its reads in closes its first-read phase there and
then, as if its last read had just been submitted. Held items (QC) always keep room for one more
read, so a flagged image is never finalised. Items in adjudication or final are left alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, PositiveSmallIntegerField, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from annotations import hooks
from annotations.access.datasets import roles_on
from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import AdjudicationCase, Dataset, Image, Label, QCFlag, Read, WorkItem
from annotations.models.choices import LabelSource, QCStatus, ReadStatus, Role, WorkState
from annotations.selectors.read_values import schema_questions
from annotations.selectors.worklist import (
    active_claims,
    adjudication_task_for,
    decision_task_for,
    next_read_candidate,
)
from annotations.services.adjudication.rounds import lock_item
from annotations.services.audit import audit_record
from annotations.services.reading.first_reads import (
    first_reads_close_if_complete,
    readers_fit_policy,
    release_claim,
)

RANDOM = "random"
CHUNK = 5000


@dataclass(frozen=True)
class Task:
    kind: str  # "read" | "adjudication" | "decision"
    item: WorkItem
    read: Read | None = None
    case: AdjudicationCase | None = None


@dataclass(frozen=True)
class EnqueueResult:
    queued: int
    held_for_qc: int
    skipped: int  # already queued, or already final
    strategy: str


def _priorities():
    source = hooks.priority_source()
    if source is None:
        raise InvalidInputError("no priority scores are available here (the learning app is not installed)")
    return source


def _candidates(dataset: Dataset, image_ids: Iterable[int] | None):
    qs = Image.objects.filter(dataset=dataset)
    if image_ids is not None:
        wanted = set(image_ids)
        found = set(qs.filter(pk__in=wanted).values_list("pk", flat=True))
        if missing := sorted(wanted - found):
            raise NotFoundError(
                f"{len(missing)} image id(s) are not in this dataset", detail={"missing": missing[:50]}
            )
        qs = qs.filter(pk__in=wanted)
    # Final in this dataset's reading schema: labels of another schema (Google's imported expert labels
    # on ChestX-ray14 films) leave the dataset's own findings to be read.
    final = Label.objects.filter(
        image_id=OuterRef("pk"), source=LabelSource.ADJUDICATED, finding__schema_id=dataset.schema_id
    )
    queued = WorkItem.objects.filter(image_id=OuterRef("pk"))
    return qs, qs.filter(~Exists(queued), ~Exists(final))


@transaction.atomic
def worklist_enqueue(
    *,
    dataset: Dataset,
    image_ids: Iterable[int] | None = None,
    strategy: str = RANDOM,
    seed: int = 0,
    limit: int | None = None,
    model_version=None,
    actor=None,
) -> EnqueueResult:
    """Select images of `dataset` for review (all, or `image_ids`; the top `limit` by the strategy's
    stored score) and queue them with that score as priority. Images already queued or already
    final are skipped; images with an open QC flag are queued on hold. The random strategy writes
    its reproducible scores (from `seed`) first; any other strategy must have stored scores."""
    if limit is not None and limit < 1:
        raise InvalidInputError("limit must be at least 1")
    # The dataset row is locked as a policy change locks it: an enqueue waits for a change of
    # readers-per-item to commit (and then queues with the new value), and a change waits for the
    # enqueue (and then resizes the items it queued), so no item is queued with a stale count.
    readers = (
        Dataset.objects.select_for_update().values_list("readers_per_item", flat=True).get(pk=dataset.pk)
    )
    given, candidates = _candidates(dataset, image_ids)
    skipped = given.count() - candidates.count()
    if strategy == RANDOM and model_version is None:
        _priorities().fill_random(dataset, list(candidates.values_list("pk", flat=True)), seed)
    elif not _priorities().scores(strategy, model_version).filter(dataset=dataset).exists():
        raise InvalidInputError(
            f"no stored scores for strategy {strategy!r}; score the dataset first or use {RANDOM!r}"
        )
    score = _priorities().scores(strategy, model_version).filter(image_id=OuterRef("pk"))
    flagged = QCFlag.objects.filter(image_id=OuterRef("pk"), status=QCStatus.OPEN)
    ranked = candidates.annotate(score=Subquery(score.values("score")[:1]), held=Exists(flagged)).order_by(
        F("score").desc(nulls_last=True), "pk"
    )
    rows = ranked.values_list("pk", "score", "held")
    rows = list(rows[:limit] if limit else rows)
    items = [
        WorkItem(
            image_id=pk,
            dataset=dataset,
            state=WorkState.QC_HOLD if held else WorkState.READING,
            priority=score if score is not None else 0.0,
            priority_strategy=strategy,
            readers_needed=readers,
        )
        for pk, score, held in rows
    ]
    WorkItem.objects.bulk_create(items, batch_size=CHUNK)
    result = EnqueueResult(
        queued=len(items),
        held_for_qc=sum(1 for r in rows if r[2]),
        skipped=skipped,
        strategy=strategy,
    )
    audit_record(
        actor=actor,
        action="worklist.enqueue",
        obj=dataset,
        dataset=dataset,
        after={**result.__dict__, "seed": seed, "limit": limit, "readers_per_item": readers},
    )
    return result


@transaction.atomic
def worklist_reprioritise(*, dataset: Dataset, strategy: str, model_version=None, actor=None) -> int:
    """Copy the stored scores of (strategy, model version) into the priority of every queued item
    still waiting for first reads; returns how many items changed. Items without a score keep theirs."""
    scores = _priorities().scores(strategy, model_version).filter(image_id=OuterRef("image_id"))
    n = (
        WorkItem.objects.filter(dataset=dataset, state__in=[WorkState.READING, WorkState.QC_HOLD])
        .filter(Exists(scores))
        .update(priority=Subquery(scores.values("score")[:1]), priority_strategy=strategy)
    )
    audit_record(
        actor=actor,
        action="worklist.reprioritise",
        obj=dataset,
        dataset=dataset,
        after={
            "strategy": strategy,
            "model_version": getattr(model_version, "pk", model_version),
            "items": n,
        },
    )
    return n


@dataclass(frozen=True)
class ResizeResult:
    resized: int  # open items whose readers_needed changed
    closed: int  # items whose first-read phase closed because all their reads were in


def _at_least(readers: int, floor):
    return Greatest(Value(readers), floor, output_field=PositiveSmallIntegerField())


@transaction.atomic
def worklist_readers_resize(*, dataset: Dataset, readers: int, actor=None) -> ResizeResult:
    """Give the dataset's open items `readers` as their readers_needed (see the module docstring)."""
    if readers < 1:
        raise InvalidInputError("readers must be at least 1")
    open_items = WorkItem.objects.filter(dataset=dataset)
    resized = 0
    for state, floor in ((WorkState.READING, F("reads_open")), (WorkState.QC_HOLD, F("reads_open") + 1)):
        target = _at_least(readers, floor)
        resized += open_items.filter(state=state).exclude(readers_needed=target).update(readers_needed=target)
    # Items now at their count with no claim outstanding: no submission is left to close them.
    claimed = Read.objects.filter(image_id=OuterRef("image_id"), round=0, status=ReadStatus.CLAIMED)
    due = (
        open_items.filter(state=WorkState.READING, reads_open=F("readers_needed"))
        .filter(~Exists(claimed))
        .order_by("id")
        .values_list("image_id", flat=True)
    )
    q = schema_questions(dataset.schema)
    closed = 0
    for image_id in list(due):
        closed += first_reads_close_if_complete(lock_item(image_id), q=q, actor=actor)
    result = ResizeResult(resized=resized, closed=closed)
    audit_record(
        actor=actor,
        action="worklist.readers_resize",
        obj=dataset,
        dataset=dataset,
        after={"readers_per_item": readers, **result.__dict__},
    )
    return result


def leases_reclaim(*, dataset: Dataset | None = None, limit: int = 200) -> int:
    """Release claimed reads whose lease expired; returns how many slots came back."""
    now = timezone.now()
    expired = Read.objects.filter(status=ReadStatus.CLAIMED, lease_expires_at__lt=now)
    if dataset is not None:
        expired = expired.filter(image__dataset=dataset)
    n = 0
    for read_id, image_id in expired.order_by("lease_expires_at").values_list("pk", "image_id")[:limit]:
        with transaction.atomic():
            item = (
                WorkItem.objects.select_for_update()
                .select_related("dataset")
                .filter(image_id=image_id)
                .first()
            )
            read = Read.objects.filter(
                pk=read_id, status=ReadStatus.CLAIMED, lease_expires_at__lt=now
            ).first()
            if item is not None and read is not None:
                release_claim(read, item=item, actor=None, reason="lease_reclaimed")
                readers_fit_policy(item, actor=None)
                n += 1
    return n


def _claim(*, reader, dataset: Dataset) -> tuple[WorkItem, Read] | None:
    lease_until = timezone.now() + timedelta(seconds=settings.ARBITER_READ_LEASE_SECONDS)
    # A claim is only a lease: if the server crashed in the instant after its commit, losing it would
    # just free the slot again, consistently (the counter goes with it). Where the claim is its own
    # transaction it therefore skips waiting for the WAL flush (PostgreSQL's synchronous_commit).
    asynchronous = connection.vendor == "postgresql" and not connection.in_atomic_block
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if asynchronous:
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL synchronous_commit TO OFF")
                item = next_read_candidate(
                    reader=reader, dataset=dataset, lock=connection.features.has_select_for_update_skip_locked
                )
                if item is None:
                    return None
                read = Read.objects.create(
                    image_id=item.image_id,
                    reader=reader,
                    round=0,
                    status=ReadStatus.CLAIMED,
                    lease_expires_at=lease_until,
                )
                WorkItem.objects.filter(pk=item.pk).update(reads_open=F("reads_open") + 1)
                audit_record(
                    actor=reader,
                    action="read.claim",
                    obj=read,
                    dataset=dataset,
                    after={"image": item.image_id, "lease_expires_at": lease_until.isoformat()},
                )
                item.reads_open += 1
                return item, read
        except IntegrityError:
            # The same reader raced themselves to one item (unique read per reader and round): retry.
            continue
    return None


def max_open_claims() -> int:
    """Claims a reader may hold at once: 2 lets the reading screen preload the next item."""
    return getattr(settings, "ARBITER_MAX_OPEN_CLAIMS", 2)


def worklist_next(*, reader, dataset: Dataset) -> Task | None:
    """The reader's next task on `dataset` (see the module docstring), or None when there is none."""
    roles = roles_on(reader, dataset)
    leases_reclaim()  # any dataset's: the partial index makes finding them cheap
    if Role.RADIOLOGIST in roles and (case := adjudication_task_for(reader=reader, dataset=dataset)):
        return Task("adjudication", WorkItem.objects.get(image_id=case.image_id), case=case)
    if Role.ADJUDICATOR in roles and (case := decision_task_for(adjudicator=reader, dataset=dataset)):
        return Task("decision", WorkItem.objects.get(image_id=case.image_id), case=case)
    if Role.RADIOLOGIST not in roles:
        return None
    held = list(active_claims(reader=reader, dataset=dataset)[: max_open_claims()])
    if len(held) < max_open_claims() and (claimed := _claim(reader=reader, dataset=dataset)):
        return Task("read", claimed[0], read=claimed[1])
    if held:  # at the allowance, or nothing new: the oldest claim still running
        return Task("read", WorkItem.objects.get(image_id=held[0].image_id), read=held[0])
    return None
