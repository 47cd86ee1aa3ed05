"""QC flags raised by the bad-image detectors and metadata rules: storing them (a QC job that raises
them is learning's: learning.services.qc).

`qc_flags_store` writes one QCFlag per raised flag, keyed by (image, kind, source version): a rerun
of the same detector version writes nothing new, and a flag a person already resolved is never
reopened by it (a new detector version is a new source version and may flag again). Images with
open flags are then held from reading by `annotations.services.qc.review.qc_hold_sync`, which the
QC job calls; the worklist holds them at enqueue time as well.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from annotations.errors import InvalidInputError
from annotations.models import QCFlag
from ml.detectors.flags import FLAG_KINDS
from ml.detectors.flags import QCFlag as RaisedFlag

BATCH = 2000


def qc_flags_store(*, flags: Iterable[tuple[int, RaisedFlag]], source_version: str) -> int:
    """Store the raised flags (image id, flag) of one source version; returns how many are new.

    Flags below their detector's threshold (`flagged` false) are not stored."""
    if not source_version:
        raise InvalidInputError("a QC flag needs its source version (detector version or rule name)")
    rows: dict[tuple[int, str], QCFlag] = {}
    for image_id, flag in flags:
        if not flag.flagged:
            continue
        if flag.kind not in FLAG_KINDS:
            raise InvalidInputError(f"unknown QC flag kind {flag.kind!r}; use one of {FLAG_KINDS}")
        rows[(int(image_id), flag.kind)] = QCFlag(
            image_id=int(image_id),
            kind=flag.kind,
            probability=min(1.0, max(0.0, float(flag.probability))),
            source_version=source_version,
            detail=flag.detail,
        )
    created = 0
    keys = list(rows)
    with transaction.atomic():
        for lo in range(0, len(keys), BATCH):
            part = keys[lo : lo + BATCH]
            existing = set(
                QCFlag.objects.filter(
                    image_id__in={i for i, _ in part}, source_version=source_version
                ).values_list("image_id", "kind")
            )
            fresh = [rows[k] for k in part if k not in existing]
            QCFlag.objects.bulk_create(fresh, ignore_conflicts=True)
            created += len(fresh)
    return created
