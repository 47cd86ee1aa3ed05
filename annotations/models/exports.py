"""Immutable, numbered label-set snapshots."""

from django.conf import settings
from django.db import models

from annotations.models.datasets import Dataset


class LabelSetSnapshot(models.Model):
    """A frozen export of a dataset's adjudicated labels: numbered, checksummed, re-downloadable."""

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="snapshot_unique_number"),
        ]
