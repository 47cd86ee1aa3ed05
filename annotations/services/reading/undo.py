"""Undo of a submitted first read within a short grace period: the read becomes the reader's claim
again, with their answers handed back to edit, as if they had not pressed submit.

Only while the item is still taking first reads: once the read was the last one and the phase closed
(labels final or a case opened), the other readers' work builds on it, so the answer is a clear 409
and revising goes through adjudication.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotations.errors import ConflictError
from annotations.models import Read
from annotations.models.choices import ReadStatus, WorkState
from annotations.services.audit import audit_record
from annotations.services.reading.first_reads import _own_read_locked


def undo_grace_seconds() -> int:
    return int(getattr(settings, "ARBITER_UNDO_GRACE_SECONDS", 60))


@transaction.atomic
def read_undo(*, reader, read_id: int) -> tuple[Read, list[dict]]:
    """Turn the reader's just-submitted first read back into their claim; returns the read and the
    answers it held ({finding, value, comment} per finding) so the screen can reopen them."""
    item, read = _own_read_locked(reader, read_id)
    if read.status != ReadStatus.SUBMITTED:
        raise ConflictError("Only a submitted read can be undone.", code="not_submitted")
    grace = undo_grace_seconds()
    if read.submitted_at is None or timezone.now() - read.submitted_at > timedelta(seconds=grace):
        raise ConflictError(
            f"The {grace} s to undo this read have passed; it stays submitted.", code="undo_expired"
        )
    if item.state != WorkState.READING:
        raise ConflictError(
            "This read completed the item's reads and its labels moved on (final or in adjudication); "
            "it can no longer be undone.",
            code="phase_closed",
        )
    labels = read.labels.select_related("finding").order_by("finding__order")
    answers = [{"finding": rl.finding.key, "value": rl.value, "comment": rl.comment} for rl in labels]
    read.labels.all().delete()
    read.status = ReadStatus.CLAIMED
    read.submitted_at = None
    read.lease_expires_at = timezone.now() + timedelta(seconds=settings.ARBITER_READ_LEASE_SECONDS)
    read.save(update_fields=["status", "submitted_at", "lease_expires_at"])
    audit_record(
        actor=reader,
        action="read.undo",
        obj=read,
        dataset=item.dataset,
        before={"answers": {a["finding"]: a["value"] for a in answers}},
    )
    return read, answers
