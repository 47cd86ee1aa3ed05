"""A reader's skip of an item, with the reason: the worklist never hands that item to them again."""

from django.conf import settings
from django.db import models

from annotations.models.clinical import Image


class SkipReason(models.TextChoices):
    NON_DIAGNOSTIC = "non_diagnostic", "Image not diagnostic (quality, artefact, cropped)"
    WRONG_IMAGE = "wrong_image", "Wrong body part, view or patient"
    OUTSIDE_EXPERTISE = "outside_expertise", "Outside my expertise"
    CONFLICT = "conflict", "Conflict of interest (I know the patient, or read the film clinically)"
    OTHER = "other", "Other (say why)"


class ReadSkip(models.Model):
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="skips")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="skips")
    reason = models.CharField(max_length=20, choices=SkipReason.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "reader"], name="readskip_once_per_reader"),
            models.CheckConstraint(
                condition=~models.Q(reason="other") | ~models.Q(note=""), name="readskip_other_says_why"
            ),
        ]
