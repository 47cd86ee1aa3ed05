"""Labels from every source, and the provenance of adjudicated ones."""

from django.conf import settings
from django.db import models

from annotations.models.choices import HowReached, LabelSource, LabelValue
from annotations.models.clinical import Image
from annotations.models.schemas import Finding


class Label(models.Model):
    """One finding's value on one image from one source and source version.

    NLP labels carry the pipeline version and evidence spans; model labels a probability and the
    model version; adjudicated labels are versioned ("1", "2", ...) and immutable, each with a
    LabelProvenance saying how it was reached. A correction is a new version, never an update.
    """

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="labels")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="labels")
    source = models.CharField(max_length=16, choices=LabelSource.choices)
    source_version = models.CharField(max_length=80)
    value = models.CharField(max_length=10, choices=LabelValue.choices)
    probability = models.FloatField(null=True, blank=True)
    # [{"start": int, "end": int, "text": str, "rule": str, "section": str}] into the report text.
    evidence = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["image", "finding", "source", "source_version"],
                name="label_unique_per_source_version",
            ),
            models.CheckConstraint(
                condition=models.Q(probability__isnull=True)
                | models.Q(probability__gte=0.0, probability__lte=1.0),
                name="label_probability_in_unit_interval",
            ),
        ]
        indexes = [models.Index(fields=["image", "source"])]


class LabelProvenance(models.Model):
    """How an adjudicated label was reached: by whom, in which rounds, and why it replaced another."""

    label = models.OneToOneField(Label, on_delete=models.CASCADE, related_name="provenance")
    how_reached = models.CharField(max_length=16, choices=HowReached.choices)
    rounds = models.PositiveSmallIntegerField(default=0)
    # [{"reader_id": int, "rounds": [0, 1], "value": "positive"}, ...]
    readers = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supersedes = models.OneToOneField(
        Label, null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reason = models.TextField(blank=True)
    first_read_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField()
