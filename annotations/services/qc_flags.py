"""QC flags raised by the bad-image detectors and metadata rules: storing them, starting a QC job.

`qc_flags_store` writes one QCFlag per raised flag, keyed by (image, kind, source version): a rerun
of the same detector version writes nothing new, and a flag a person already resolved is never
reopened by it (a new detector version is a new source version and may flag again). Images with
open flags are then held from reading by `annotations.services.qc_review.qc_hold_sync`, which the
QC job calls; the worklist holds them at enqueue time as well.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from annotations.models import Dataset, Job, QCFlag
from annotations.models.choices import JobKind
from annotations.services.audit import audit_record
from annotations.services.errors import InvalidInputError
from annotations.services.jobs import job_create
from mlworker.ml.detectors.flags import FLAG_KINDS
from mlworker.ml.detectors.flags import QCFlag as RaisedFlag

BATCH = 2000
QC_OPTIONS = ("retrain", "epochs", "train_max", "view_min_per_class", "threshold")


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


def qc_start(*, dataset: Dataset, user=None, options: dict | None = None) -> Job:
    """Queue bad-image detection for the dataset; returns the job to poll.

    `options`: {"retrain": bool (fine-tune the orientation / inversion detector on the dataset's own
    films now), "epochs": int (fine-tuning epochs), "train_max": int (films sampled for fine-tuning),
    "view_min_per_class": int (confirmed examples needed to train the view classifier),
    "threshold": float (probability from which the detectors flag; default: the orientation
    detector's own, chosen when it was built, and 0.8 for the view classifier)}.
    """
    from mlworker.tasks.qc import run_qc

    options = dict(options or {})
    if unknown := sorted(set(options) - set(QC_OPTIONS)):
        raise InvalidInputError(f"unknown QC options {unknown}; use {list(QC_OPTIONS)}")
    for key in ("epochs", "train_max", "view_min_per_class"):
        if key in options and (not isinstance(options[key], int) or options[key] < 1):
            raise InvalidInputError(f"{key} must be a positive integer")
    if "threshold" in options and not 0.0 < float(options["threshold"]) <= 1.0:
        raise InvalidInputError("threshold must lie in (0, 1]")
    if not isinstance(options.get("retrain", False), bool):
        raise InvalidInputError("retrain must be true or false")
    job = job_create(kind=JobKind.QC, dataset=dataset, created_by=user, params=options)
    audit_record(actor=user, action="qc.start", obj=job, dataset=dataset, after=options)
    transaction.on_commit(lambda: run_qc.delay(dataset.pk, job.pk))
    return job
