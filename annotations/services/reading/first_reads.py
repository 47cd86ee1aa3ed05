"""First reads: submit, revise (while still blinded), release a claim, renew its lease.

A read is claimed by the worklist (annotations.services.reading.worklist) and submitted here with a value
for every question of the schema. The N-th submission closes the first-read phase in the same
transaction (annotations.services.adjudication.rounds.close_first_reads).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.errors import ConflictError, NotFoundError
from annotations.models import AuditEvent, Read, WorkItem
from annotations.models.choices import ReadStatus, WorkState
from annotations.selectors.read_values import SchemaQuestions, parse_answers, schema_questions
from annotations.services.adjudication.rounds import close_first_reads, lock_item, write_read_labels
from annotations.services.audit import audit_record

RELEASED = ("read.lease_reclaimed", "read.released_for_qc")


def _missing(reader, read_id: int) -> Exception:
    """404 for a read that never was the reader's; 409 for their claim that was released."""
    released = AuditEvent.objects.filter(
        object_type="annotations.read",
        object_id=str(read_id),
        action__in=RELEASED,
        before__reader=reader.pk,
    ).exists()
    if released:
        return ConflictError(
            "This claim was released (its lease expired or the image was held for QC); "
            "ask the worklist for the next item.",
            code="claim_released",
        )
    return NotFoundError("No such read.")


def _own_read_locked(reader, read_id: int) -> tuple[WorkItem, Read]:
    """The item locked, then the read re-read under the lock; the read must be the reader's own."""
    image_id = Read.objects.filter(pk=read_id, reader=reader).values_list("image_id", flat=True).first()
    if image_id is None:
        raise _missing(reader, read_id)
    item = lock_item(image_id)
    read = Read.objects.filter(pk=read_id, reader=reader).first()
    if read is None:
        raise _missing(reader, read_id)
    if read.round != 0:
        raise ConflictError("Adjudication rounds are answered through the adjudication case.")
    return item, read


@transaction.atomic
def read_submit(
    *,
    reader,
    read_id: int,
    labels: list | None = None,
    choice: str | None = None,
    comment: str = "",
    duration_ms: int | None = None,
) -> Read:
    """Submit a claimed first read. A lease that expired but was not yet reclaimed still counts."""
    item, read = _own_read_locked(reader, read_id)
    if read.status == ReadStatus.SUBMITTED:
        raise ConflictError("This read is already submitted; revise it instead.", code="already_submitted")
    if item.state != WorkState.READING:
        raise ConflictError(f"This item is not open for reading (it is {item.get_state_display().lower()}).")
    q = schema_questions(item.dataset.schema)
    answers = parse_answers(q, labels=labels, choice=choice, required=q.questions)
    write_read_labels(read, q, answers)
    read.status = ReadStatus.SUBMITTED
    read.submitted_at = timezone.now()
    read.lease_expires_at = None
    read.comment = comment
    read.duration_ms = duration_ms
    read.save()
    audit_record(
        actor=reader,
        action="read.submit",
        obj=read,
        dataset=item.dataset,
        after={"answers": {k: a.value for k, a in answers.items()}, "duration_ms": duration_ms},
    )
    submitted = Read.objects.filter(image_id=item.image_id, round=0, status=ReadStatus.SUBMITTED).count()
    if submitted >= item.readers_needed:
        close_first_reads(item=item, q=q, actor=reader)
    return read


@transaction.atomic
def read_revise(
    *,
    reader,
    read_id: int,
    labels: list | None = None,
    choice: str | None = None,
    comment: str | None = None,
) -> Read:
    """Change a submitted first read while the item is still in its first-read phase (nobody has
    seen it yet). Afterwards, revising is what the adjudication rounds are for."""
    item, read = _own_read_locked(reader, read_id)
    if read.status != ReadStatus.SUBMITTED:
        raise ConflictError("Submit this read before revising it.")
    if item.state != WorkState.READING:
        raise ConflictError(
            "The first-read phase of this item is closed; revise in its adjudication rounds.",
            code="phase_closed",
        )
    q = schema_questions(item.dataset.schema)
    answers = parse_answers(q, labels=labels, choice=choice, required=q.questions)
    before = {rl.finding.key: rl.value for rl in read.labels.select_related("finding")}
    read.labels.all().delete()
    write_read_labels(read, q, answers)
    if comment is not None:
        read.comment = comment
        read.save(update_fields=["comment"])
    audit_record(
        actor=reader,
        action="read.revise",
        obj=read,
        dataset=item.dataset,
        before=before,
        after={k: v for qu, a in answers.items() for k, v in q.expand(qu, a.value).items()},
    )
    return read


def release_claim(read: Read, *, item: WorkItem, actor, reason: str) -> None:
    """Delete a claimed read and give its slot back (the caller holds the item lock)."""
    if Read.objects.filter(pk=read.pk, status=ReadStatus.CLAIMED).delete()[0]:
        WorkItem.objects.filter(pk=item.pk).update(reads_open=F("reads_open") - 1)
        audit_record(
            actor=actor,
            action=f"read.{reason}",
            obj=read,
            dataset=item.dataset,
            before={"reader": read.reader_id, "lease_expires_at": str(read.lease_expires_at)},
        )


def first_reads_close_if_complete(item: WorkItem, *, q: SchemaQuestions, actor) -> bool:
    """Close the item's first-read phase as a last submit would, when it is in first reads, no claim
    is out and its submitted reads reach its count (after its count came down, no submission is left
    to do it); True when it closed. The caller holds the item lock."""
    reads = Read.objects.filter(image_id=item.image_id, round=0)
    if (
        item.state != WorkState.READING
        or reads.filter(status=ReadStatus.CLAIMED).exists()
        or reads.filter(status=ReadStatus.SUBMITTED).count() < item.readers_needed
    ):
        return False
    close_first_reads(item=item, q=q, actor=actor)
    return True


def readers_fit_policy(item: WorkItem, *, actor) -> None:
    """After a reader gave a slot back (released, or the lease expired): an item in first reads that
    kept a count above its dataset's readers-per-item only because that claim was out (a policy
    change never goes below the reads taken) comes down to the policy, never below its remaining
    reads; if its submitted reads then suffice and no claim is out, its first-read phase closes, as on
    a last submit. The caller holds the item lock. (Not for a QC hold, which releases claims on
    purpose and keeps its count.)"""
    item.refresh_from_db(fields=["state", "reads_open", "readers_needed"])
    want = max(item.dataset.readers_per_item, item.reads_open)
    if item.state != WorkState.READING or want >= item.readers_needed:
        return
    WorkItem.objects.filter(pk=item.pk).update(readers_needed=want)
    item.readers_needed = want
    first_reads_close_if_complete(item, q=schema_questions(item.dataset.schema), actor=actor)


@transaction.atomic
def read_release(*, reader, read_id: int) -> None:
    """Give a claimed item back to the worklist."""
    item, read = _own_read_locked(reader, read_id)
    if read.status != ReadStatus.CLAIMED:
        raise ConflictError("Only a claimed (not yet submitted) read can be released.")
    release_claim(read, item=item, actor=reader, reason="release")
    readers_fit_policy(item, actor=reader)


@transaction.atomic
def read_renew(*, reader, read_id: int) -> Read:
    """Extend the lease of a claimed read (the reader is still working on it)."""
    item, read = _own_read_locked(reader, read_id)
    if read.status != ReadStatus.CLAIMED:
        raise ConflictError("Only a claimed read has a lease.")
    before = read.lease_expires_at
    read.lease_expires_at = timezone.now() + timedelta(seconds=settings.ARBITER_READ_LEASE_SECONDS)
    read.save(update_fields=["lease_expires_at"])
    audit_record(
        actor=reader,
        action="read.renew",
        obj=read,
        dataset=item.dataset,
        before={"lease_expires_at": str(before)},
        after={"lease_expires_at": str(read.lease_expires_at)},
    )
    return read
