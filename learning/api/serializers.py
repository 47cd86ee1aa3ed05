"""Serializers of the learning endpoints: training runs, model versions, ROC curves, rankings."""

from rest_framework import serializers

from annotations.api.serializers import JobSerializer
from annotations.models.choices import ModelStatus, RunStatus
from learning.models import ModelVersion, RankingScore, TrainingRun
from learning.services.models.kinds import TRAINABLE_KINDS

# Kinds and statuses are plain strings in the schema (their values in help texts): an enum per
# serializer would collide with the other `kind` / `status` enums of the API.
KIND_HELP = f"model kind: {' | '.join(TRAINABLE_KINDS)} (the dataset's schema decides which)"


class DatasetModelSerializer(serializers.Serializer):
    """A dataset's finding model as the schema decides it (learning.services.models.kinds)."""

    dataset = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    labels = serializers.ListField(
        child=serializers.CharField(), help_text="the model's outputs, in schema order"
    )
    multilabel = serializers.BooleanField(
        help_text="one sigmoid output per finding (true) or one softmax over the classes (false)"
    )
    task = serializers.CharField(help_text="multi_label | single_choice (the metrics' layout)")
    trainable_kinds = serializers.ListField(child=serializers.CharField())


class TrainingRunCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)
    config = serializers.JSONField(
        required=False,
        default=dict,
        help_text="Run configuration (size, epochs, batch_size, lr, early_stopping_patience, seed, "
        "weak_labels {use_weak, uncertainty: ignore|ones|zeros, weak_weight, blank}, split {train, "
        "validation, test}, threshold, n_boot, device, threads, transfer_mode, pretrained); every key "
        "optional, unknown keys refused.",
    )


class TrainingRunSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    status = serializers.CharField(read_only=True, help_text=" | ".join(RunStatus.values))
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    model_version = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "dataset",
            "kind",
            "status",
            "config",
            "progress",
            "data_snapshot",
            "cancel_requested",
            "error",
            "model_version",
            "created_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
        ]

    def get_model_version(self, run: TrainingRun) -> int | None:
        mv = getattr(run, "model_version", None)
        return mv.pk if mv is not None else None


class ModelVersionSerializer(serializers.ModelSerializer):
    """A registry entry with its headline figures (the full metrics are on the detail endpoint)."""

    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    status = serializers.CharField(read_only=True, help_text=" | ".join(ModelStatus.values))
    version_tag = serializers.CharField(read_only=True)
    summary = serializers.SerializerMethodField()
    comparison = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "dataset",
            "kind",
            "number",
            "version_tag",
            "status",
            "summary",
            "comparison",
            "training_run",
            "weights_sha256",
            "previous_production",
            "created_at",
            "promoted_at",
            "retired_at",
        ]

    def get_summary(self, mv: ModelVersion) -> dict:
        return (mv.metrics or {}).get("summary") or {}

    def get_comparison(self, mv: ModelVersion) -> dict | None:
        """Against the production version at training time: macro delta AUROC and the verdict."""
        cmp = (mv.metrics or {}).get("comparison")
        if not cmp:
            return None
        keys = (
            "production",
            "macro_delta",
            "candidate_better",
            "significantly_better",
            "significantly_worse",
        )
        return {k: cmp.get(k) for k in (*keys, "error") if k in cmp}


class ModelVersionDetailSerializer(ModelVersionSerializer):
    training_config = serializers.JSONField(source="training_run.config", read_only=True, default=None)
    data_snapshot = serializers.JSONField(source="training_run.data_snapshot", read_only=True, default=None)

    class Meta(ModelVersionSerializer.Meta):
        fields = [*ModelVersionSerializer.Meta.fields, "spec", "metrics", "training_config", "data_snapshot"]


class RocCurveSerializer(serializers.Serializer):
    name = serializers.CharField()
    auroc = serializers.FloatField(allow_null=True)
    auroc_ci_low = serializers.FloatField(allow_null=True)
    auroc_ci_high = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField(allow_null=True)
    n_positive = serializers.IntegerField(allow_null=True)
    fpr = serializers.ListField(child=serializers.FloatField())
    tpr = serializers.ListField(child=serializers.FloatField())
    thresholds = serializers.ListField(child=serializers.FloatField(allow_null=True))


class RocCurvesSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    curves = RocCurveSerializer(many=True)


class PromotionSerializer(serializers.Serializer):
    model_version = ModelVersionSerializer()
    retired = ModelVersionSerializer(allow_null=True)
    scoring_job = JobSerializer(allow_null=True)


class RollbackSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)


class RankingScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = RankingScore
        fields = ["image", "model_version", "strategy", "score", "computed_at"]


class StoredRankingSerializer(serializers.Serializer):
    strategy = serializers.CharField()
    model_version = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()


class RankingSummarySerializer(serializers.Serializer):
    acquisition_weights = serializers.JSONField()
    config = serializers.JSONField()
    strategy = serializers.CharField(help_text="the current strategy's key (name@hash8)")
    requires_model = serializers.BooleanField()
    stored = StoredRankingSerializer(many=True)


class RankingRefreshSerializer(serializers.Serializer):
    force = serializers.BooleanField(default=True)
