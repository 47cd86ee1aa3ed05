"""Datasets, their reading policy, and who may work on them."""

from django.conf import settings
from django.db import models

from annotations.models.choices import Modality, Role, TieRule
from annotations.models.schemas import LabelSchema


class Dataset(models.Model):
    """A collection of studies labelled in one schema under one reading policy."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.CHEST_XRAY)
    schema = models.ForeignKey(LabelSchema, on_delete=models.PROTECT, related_name="datasets")
    # Reading policy (Google's ChestX-ray14 relabelling protocol by default).
    readers_per_item = models.PositiveSmallIntegerField(default=3)
    max_adjudication_rounds = models.PositiveSmallIntegerField(default=3)
    tie_rule = models.CharField(max_length=20, choices=TieRule.choices, default=TieRule.MAJORITY)
    # Final labels must be present / absent (Google's protocol): an agreement or a majority on
    # "uncertain" is never final; the finding goes on to the next round or to the adjudicator.
    definite_final_labels = models.BooleanField(default=False)
    show_report_on_first_read = models.BooleanField(default=True)
    show_nlp_evidence = models.BooleanField(default=True)
    show_model_overlays = models.BooleanField(default=True)
    show_similar_cases_on_first_read = models.BooleanField(default=False)
    pediatric_age_years = models.FloatField(default=10.0)
    # Privacy policy: move every study date back by a keyed per-patient offset on ingest.
    shift_dates = models.BooleanField(default=False)
    acquisition_weights = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DatasetMembership", related_name="datasets"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(readers_per_item__gte=1), name="dataset_readers_ge_1"),
        ]

    def __str__(self) -> str:
        return self.name


class DatasetMembership(models.Model):
    """A user's role on one dataset; users see only datasets they are members of."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "user", "role"], name="membership_unique_role"),
        ]
