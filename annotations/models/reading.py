"""Reading: the worklist, independent reads, adjudication rounds and their cases."""

from django.conf import settings
from django.db import models

from annotations.models.choices import LabelValue, ReadStatus, WorkState
from annotations.models.clinical import Image
from annotations.models.datasets import Dataset
from annotations.models.schemas import Finding


class WorkItem(models.Model):
    """An image selected for review, with its place in the reading queue.

    `priority` is copied from the current acquisition score so that "next item" is one indexed
    range scan, even with a million items; `reads_open` counts claimed plus submitted first reads.
    """

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="work_item")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="work_items")
    state = models.CharField(max_length=24, choices=WorkState.choices, default=WorkState.READING)
    priority = models.FloatField(default=0.0)
    reads_open = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["dataset", "state", "-priority", "id"], name="workitem_queue")]


class Read(models.Model):
    """One reader's read of one image in one round (0 = the independent blinded read).

    A claimed read holds a lease; when it expires the slot is reclaimed. One read per reader,
    image and round, enforced by the database.
    """

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reads")
    round = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=ReadStatus.choices, default=ReadStatus.CLAIMED)
    claimed_at = models.DateTimeField(auto_now_add=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "reader", "round"], name="read_unique_per_reader_round"),
        ]
        indexes = [models.Index(fields=["reader", "status"])]


class ReadLabel(models.Model):
    read = models.ForeignKey(Read, on_delete=models.CASCADE, related_name="labels")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=10, choices=LabelValue.choices)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["read", "finding"], name="readlabel_unique_finding"),
        ]


class AdjudicationCase(models.Model):
    """An image whose first reads disagreed; it goes through rounds until consensus or the limit."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        AWAITING_ADJUDICATOR = "awaiting_adjudicator", "Waiting for the adjudicator"
        RESOLVED = "resolved", "Resolved"

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="adjudication_case")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.OPEN)
    current_round = models.PositiveSmallIntegerField(default=1)
    disputed_findings = models.ManyToManyField(Finding, related_name="+", blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
