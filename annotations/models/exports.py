"""Immutable, numbered label-set snapshots."""

from django.conf import settings
from django.db import models

from annotations.models.datasets import Dataset


class LabelSetSnapshot(models.Model):
    """A frozen export of a dataset's adjudicated labels: numbered, checksummed, re-downloadable.

    The files are written once, by a worker, from the labels current at `as_of`; after that the row
    and the files never change.
    """

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="snapshots")
    number = models.PositiveIntegerField()
    filters = models.JSONField(default=dict, blank=True)
    policy = models.JSONField(default=dict, blank=True)
    csv_path = models.CharField(max_length=400, blank=True)
    jsonl_path = models.CharField(max_length=400, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    jsonl_sha256 = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    label_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    error = models.TextField(blank=True)
    as_of = models.DateTimeField(null=True, blank=True)
    job = models.ForeignKey(
        "annotations.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="snapshot_unique_number"),
        ]
