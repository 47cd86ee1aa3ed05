"""Quality-control flags raised by the bad-image detectors and metadata rules."""

from django.conf import settings
from django.db import models

from annotations.models.choices import QCKind, QCStatus
from annotations.models.clinical import Image


class QCFlag(models.Model):
    """A suspected image problem with a probability; a person confirms, rejects or corrects it.

    Confirmed and rejected flags are the detectors' training data next time.
    """

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="qc_flags")
    kind = models.CharField(max_length=20, choices=QCKind.choices)
    probability = models.FloatField()
    source_version = models.CharField(max_length=80)
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=QCStatus.choices, default=QCStatus.OPEN)
    correction = models.JSONField(default=dict, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["image", "kind", "source_version"], name="qcflag_unique_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0.0, probability__lte=1.0), name="qcflag_probability_unit"
            ),
        ]
        indexes = [models.Index(fields=["status", "kind", "-probability"])]
