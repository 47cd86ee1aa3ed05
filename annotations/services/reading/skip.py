"""Skip an item with a reason: the claim goes back to the worklist for other readers, and this
reader is never offered the item again (the worklist's claim query leaves out their skips)."""

from django.db import IntegrityError, transaction

from annotations.errors import ConflictError, InvalidInputError
from annotations.models import ReadSkip, SkipReason
from annotations.models.choices import ReadStatus
from annotations.services.audit import audit_record
from annotations.services.reading.first_reads import _own_read_locked, readers_fit_policy, release_claim

NOTE_MAX = 500


@transaction.atomic
def read_skip(*, reader, read_id: int, reason: str, note: str = "") -> ReadSkip:
    """Skip a claimed first read with a reason (and a note, required for 'other')."""
    # Whose read it is comes first: another reader's or another dataset's read id is a 404 whatever the body.
    item, read = _own_read_locked(reader, read_id)
    note = (note or "").strip()
    if reason not in SkipReason.values:
        raise InvalidInputError(f"reason must be one of: {', '.join(SkipReason.values)}")
    if reason == SkipReason.OTHER and not note:
        raise InvalidInputError("Say why in the note when the reason is 'other'.")
    if len(note) > NOTE_MAX:
        raise InvalidInputError(f"The note is limited to {NOTE_MAX} characters.")
    if read.status != ReadStatus.CLAIMED:
        raise ConflictError("Only a claimed (not yet submitted) read can be skipped.", code="not_claimed")
    try:
        with transaction.atomic():
            skip = ReadSkip.objects.create(image_id=item.image_id, reader=reader, reason=reason, note=note)
    except IntegrityError as exc:  # pragma: no cover - a claim is never handed out after a skip
        raise ConflictError("You already skipped this item.", code="already_skipped") from exc
    release_claim(read, item=item, actor=reader, reason="skip")
    audit_record(
        actor=reader, action="read.skip_reason", obj=skip, dataset=item.dataset, after={"reason": reason}
    )
    readers_fit_policy(item, actor=reader)
    return skip
