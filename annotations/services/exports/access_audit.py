"""Audit events for data leaving Arbiter (a snapshot file downloaded) that are reads, not writes."""

from typing import Any

from annotations.models import LabelSetSnapshot
from annotations.services.audit import audit_record


def download_record(*, actor: Any, snapshot: LabelSetSnapshot, file_format: str) -> None:
    audit_record(
        actor=actor,
        action="snapshot.download",
        obj=snapshot,
        dataset=snapshot.dataset,
        after={"number": snapshot.number, "format": file_format},
    )
