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
    range scan, even with a million items; `reads_open` counts claimed plus submitted first reads
    and can never exceed `readers_needed` (the dataset's readers_per_item when the item was queued):
    the database refuses an over-assignment even if the service had a bug.
    """

    image = models.OneToOneField(Image, on_delete=models.CASCADE, related_name="work_item")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="work_items")
    state = models.CharField(max_length=24, choices=WorkState.choices, default=WorkState.READING)
    priority = models.FloatField(default=0.0)
    # The ranking the priority was last taken from ("random", "entropy", ... ; model version id).
    priority_strategy = models.CharField(max_length=40, blank=True)
    readers_needed = models.PositiveSmallIntegerField(default=3)
    reads_open = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["dataset", "state", "-priority", "id"], name="workitem_queue"),
            # Only items that can still take a first read: next-item scans this from the top.
            models.Index(
                fields=["dataset", "-priority", "id"],
                condition=models.Q(state="reading", reads_open__lt=models.F("readers_needed")),
                name="workitem_open_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reads_open__lte=models.F("readers_needed")),
                name="workitem_reads_within_needed",
            ),
            models.CheckConstraint(condition=models.Q(readers_needed__gte=1), name="workitem_needs_a_reader"),
        ]


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
            models.CheckConstraint(
                condition=models.Q(status="claimed") | models.Q(submitted_at__isnull=False),
                name="read_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(round=0) | models.Q(status="submitted"),
                name="read_adjudication_rounds_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["reader", "status"]),
            # Expired leases are found by this small partial index (only claimed reads are in it).
            models.Index(
                fields=["lease_expires_at"], condition=models.Q(status="claimed"), name="read_open_leases"
            ),
        ]


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
    # The item's readers (user ids) in the order of their first-read submission: reader_order[0] is
    # "Reader A" for everyone, so the anonymous letters are stable within the item.
    reader_order = models.JSONField(default=list)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="adjcase_status")]
