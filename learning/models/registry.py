"""Models, training runs, predictions and acquisition scores."""

from django.conf import settings
from django.db import models

from annotations.models.choices import ACTIVE_RUN_STATUSES, ModelKind, ModelStatus, RunStatus
from annotations.models.clinical import Image
from annotations.models.datasets import Dataset


class TrainingRun(models.Model):
    """An admin-launched training run; at most one active run per dataset and model kind."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="training_runs")
    kind = models.CharField(max_length=12, choices=ModelKind.choices)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    config = models.JSONField(default=dict, blank=True)
    # {"epoch": 3, "epochs": 10, "loss": 0.31, "metric": 0.84, "history": [...]}
    progress = models.JSONField(default=dict, blank=True)
    data_snapshot = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "annotations_trainingrun"  # kept when the model moved here (issue #14)
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "kind"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="trainingrun_one_active_per_kind",
            ),
        ]


class ModelVersion(models.Model):
    """A trained model in the registry: its spec, data, metrics and weights file."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="model_versions")
    kind = models.CharField(max_length=12, choices=ModelKind.choices)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    spec = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    weights_path = models.CharField(max_length=400)
    weights_sha256 = models.CharField(max_length=64)
    training_run = models.OneToOneField(
        TrainingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_version"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # The production version this one replaced when it was promoted: what a roll-back restores.
    previous_production = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "annotations_modelversion"  # kept when the model moved here (issue #14)
        constraints = [
            models.UniqueConstraint(fields=["dataset", "kind", "number"], name="modelversion_unique_number"),
            models.UniqueConstraint(
                fields=["dataset", "kind"],
                condition=models.Q(status=ModelStatus.PRODUCTION),
                name="modelversion_one_production",
            ),
        ]

    @property
    def version_tag(self) -> str:
        return f"{self.kind}-v{self.number}"


class Prediction(models.Model):
    """A model's outputs for one image: per-finding probabilities and the penultimate embedding."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="predictions")
    probabilities = models.JSONField()
    embedding = models.BinaryField(null=True, blank=True)  # float32 little-endian
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "annotations_prediction"  # kept when the model moved here (issue #14)
        constraints = [
            models.UniqueConstraint(fields=["image", "model_version"], name="prediction_unique"),
        ]


class RankingScore(models.Model):
    """An acquisition score per (image, model version, strategy); random has no model version."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="ranking_scores")
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="ranking_scores"
    )
    strategy = models.CharField(max_length=40)
    score = models.FloatField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "annotations_rankingscore"  # kept when the model moved here (issue #14)
        constraints = [
            models.UniqueConstraint(
                fields=["image", "model_version", "strategy"],
                condition=models.Q(model_version__isnull=False),
                name="rankingscore_unique",
            ),
            models.UniqueConstraint(
                fields=["image", "strategy"],
                condition=models.Q(model_version__isnull=True),
                name="rankingscore_unique_modelless",
            ),
        ]
        indexes = [models.Index(fields=["dataset", "strategy", "-score"])]
