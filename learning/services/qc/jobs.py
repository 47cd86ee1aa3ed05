"""Starting a QC (bad-image detection) job: its options checked, the job made and its task queued.

The job runs `learning.tasks.qc.run_qc` -> `learning.services.qc.run.qc_run`, which stores what it
finds through the domain's `annotations.services.qc.flags.qc_flags_store`.
"""

from __future__ import annotations

from django.db import transaction

from annotations.errors import InvalidInputError
from annotations.models import Dataset, Job
from annotations.models.choices import JobKind
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.records import job_create

QC_OPTIONS = ("retrain", "epochs", "train_max", "view_min_per_class", "threshold")


def qc_start(*, dataset: Dataset, user=None, options: dict | None = None) -> Job:
    """Queue bad-image detection for the dataset; returns the job to poll.

    `options`: {"retrain": bool (fine-tune the orientation / inversion detector on the dataset's own
    films now), "epochs": int (fine-tuning epochs), "train_max": int (films sampled for fine-tuning),
    "view_min_per_class": int (confirmed examples needed to train the view classifier),
    "threshold": float (probability from which the detectors flag; default: the orientation
    detector's own, chosen when it was built, and 0.8 for the view classifier)}.
    """
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
    transaction.on_commit(lambda: task_send("learning.run_qc", dataset.pk, job.pk))
    return job
