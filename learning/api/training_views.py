"""Training runs, the model registry and the acquisition ranking (admin console endpoints).

Thin: `learning.selectors.registry` finds objects through the user's datasets (admin role),
services do the writes. Every endpoint needs the admin role on the dataset; errors are the API's
JSON errors (409 `run_active` for a second active run, `run_finished`, `already_production`,
`nothing_to_roll_back`, `weights_missing`; 400 `invalid_config` / `invalid_kind`).
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.datasets import access_dataset
from annotations.api.params import int_param, object_id, validated
from annotations.api.serializers import JobSerializer
from annotations.models.choices import ModelStatus, Role, RunStatus
from learning.api import serializers as s
from learning.selectors.registry import (
    model_version_get,
    model_versions_of,
    ranking_scores,
    ranking_summary,
    roc_curves,
    training_run_get,
    training_runs_of,
)
from learning.services.models.kinds import TRAINABLE_KINDS, dataset_model
from learning.services.ranking import ranking_refresh_start
from learning.services.registry.versions import Promotion, model_promote, model_rollback
from learning.services.training.runs import training_run_cancel, training_run_start

ADMIN = (Role.ADMIN,)
KIND = OpenApiParameter("kind", enum=list(TRAINABLE_KINDS))


def _promotion(p: Promotion) -> dict:
    return s.PromotionSerializer(
        {"model_version": p.model_version, "retired": p.retired, "scoring_job": p.scoring_job}
    ).data


class DatasetModelSpecView(generics.GenericAPIView):
    serializer_class = s.DatasetModelSerializer

    def get(self, request: Request, dataset_id: int) -> Response:
        """The dataset's finding model: its kind (what a training run of it must name), output
        labels and whether they are multi-label. The schema decides it; any member may read it."""
        dataset = access_dataset(request.user, dataset_id)
        body = {"dataset": dataset.pk, **dataset_model(dataset).to_dict()}
        return Response(s.DatasetModelSerializer(body).data)


class TrainingRunListCreateView(generics.ListCreateAPIView):
    """The dataset's training runs, newest first (filter by kind, status); POST launches one."""

    serializer_class = s.TrainingRunSerializer

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=ADMIN)
        return training_runs_of(
            dataset,
            kind=self.request.query_params.get("kind"),
            status=self.request.query_params.get("status"),
        )

    @extend_schema(parameters=[KIND, OpenApiParameter("status", enum=RunStatus.values)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.TrainingRunCreateSerializer, responses={202: s.TrainingRunSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Launch a training run on the gpu queue. One queued or running run per dataset and kind:
        a second answers 409 `run_active`. Poll the run for progress (epoch, loss, validation AUROC)."""
        dataset = access_dataset(request.user, dataset_id, roles=ADMIN)
        data = validated(s.TrainingRunCreateSerializer, request.data)
        run = training_run_start(dataset=dataset, kind=data["kind"], config=data["config"], user=request.user)
        return Response(s.TrainingRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class TrainingRunDetailView(generics.GenericAPIView):
    serializer_class = s.TrainingRunSerializer

    def get(self, request: Request, run_id) -> Response:
        """A run with its config, live progress (phase, epoch, loss, metric, history), data snapshot
        (split counts, test-set digest), error and resulting model version."""
        run = training_run_get(request.user, object_id(run_id, "training run"))
        return Response(s.TrainingRunSerializer(run).data)


class TrainingRunCancelView(generics.GenericAPIView):
    serializer_class = s.TrainingRunSerializer

    @extend_schema(request=None, responses=s.TrainingRunSerializer)
    def post(self, request: Request, run_id) -> Response:
        """Cancel: a queued run at once; a running one stops between batches (status becomes
        `cancelled` within seconds; no model version is registered). 409 when already finished."""
        run = training_run_get(request.user, object_id(run_id, "training run"))
        run = training_run_cancel(run=run, user=request.user)
        return Response(s.TrainingRunSerializer(run).data)


class ModelVersionListView(generics.ListAPIView):
    """The dataset's registry: every model version with its headline metrics (filter kind, status)."""

    serializer_class = s.ModelVersionSerializer

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=ADMIN)
        return model_versions_of(
            dataset,
            kind=self.request.query_params.get("kind"),
            status=self.request.query_params.get("status"),
        )

    @extend_schema(parameters=[KIND, OpenApiParameter("status", enum=ModelStatus.values)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class ModelVersionDetailView(generics.GenericAPIView):
    serializer_class = s.ModelVersionDetailSerializer

    def get(self, request: Request, version_id) -> Response:
        """A version with its spec, full metrics (per-finding AUROC + CIs, sens/spec, PR AUC, ROC
        points; OCT accuracy, Kermany weighted error, urgent referral), the comparison with the
        production model of its training time, and its run's config and data snapshot."""
        mv = model_version_get(request.user, object_id(version_id, "model version"))
        return Response(s.ModelVersionDetailSerializer(mv).data)


class ModelVersionRocView(generics.GenericAPIView):
    serializer_class = s.RocCurvesSerializer

    def get(self, request: Request, version_id) -> Response:
        """ROC curves on the test split, ready to plot: one per finding (or class + urgent referral)."""
        mv = model_version_get(request.user, object_id(version_id, "model version"))
        return Response(s.RocCurvesSerializer({"model_version": mv.pk, "curves": roc_curves(mv)}).data)


class ModelVersionPromoteView(generics.GenericAPIView):
    serializer_class = s.PromotionSerializer

    @extend_schema(request=None, responses=s.PromotionSerializer)
    def post(self, request: Request, version_id) -> Response:
        """Make this version production (the current one is retired); the dataset is re-scored with
        it and the worklist re-ranked (`scoring_job` to poll)."""
        mv = model_version_get(request.user, object_id(version_id, "model version"))
        return Response(_promotion(model_promote(model_version=mv, user=request.user)))


class ModelRollbackView(generics.GenericAPIView):
    serializer_class = s.PromotionSerializer

    @extend_schema(request=s.RollbackSerializer, responses=s.PromotionSerializer)
    def post(self, request: Request, dataset_id: int) -> Response:
        """Re-promote the version the current production one replaced (that one is retired);
        re-scores and re-ranks like a promotion. 409 when there is nothing to roll back to."""
        dataset = access_dataset(request.user, dataset_id, roles=ADMIN)
        data = validated(s.RollbackSerializer, request.data)
        return Response(_promotion(model_rollback(dataset=dataset, kind=data["kind"], user=request.user)))


class RankingScoreListView(generics.ListAPIView):
    """Stored acquisition scores, best first (paginated). Defaults to the dataset's current strategy
    and production model; `strategy` (a key such as `entropy@1a2b3c4d`) and `model_version` pick
    another stored ranking (see the ranking summary for what exists)."""

    serializer_class = s.RankingScoreSerializer

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=ADMIN)
        return ranking_scores(
            dataset,
            strategy=self.request.query_params.get("strategy") or None,
            model_version_id=int_param(self.request, "model_version"),
        )

    @extend_schema(parameters=[OpenApiParameter("strategy", str), OpenApiParameter("model_version", int)])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class RankingSummaryView(generics.GenericAPIView):
    serializer_class = s.RankingSummarySerializer

    def get(self, request: Request, dataset_id: int) -> Response:
        """The dataset's acquisition strategy (from its weights) and the rankings stored so far."""
        dataset = access_dataset(request.user, dataset_id, roles=ADMIN)
        return Response(s.RankingSummarySerializer(ranking_summary(dataset)).data)


class RankingRefreshView(generics.GenericAPIView):
    serializer_class = s.RankingRefreshSerializer

    @extend_schema(request=s.RankingRefreshSerializer, responses={202: JobSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Recompute the acquisition scores with the dataset's current weights on a worker and
        re-prioritise the queue (a job to poll)."""
        dataset = access_dataset(request.user, dataset_id, roles=ADMIN)
        data = validated(s.RankingRefreshSerializer, request.data)
        job = ranking_refresh_start(dataset=dataset, user=request.user, force=data["force"])
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


ds = "datasets/<int:dataset_id>/"
urlpatterns = [
    path(f"{ds}model-spec/", DatasetModelSpecView.as_view(), name="dataset-model-spec"),
    path(f"{ds}training-runs/", TrainingRunListCreateView.as_view(), name="dataset-training-runs"),
    path("training-runs/<str:run_id>/", TrainingRunDetailView.as_view(), name="training-run"),
    path("training-runs/<str:run_id>/cancel/", TrainingRunCancelView.as_view(), name="training-run-cancel"),
    path(f"{ds}model-versions/", ModelVersionListView.as_view(), name="dataset-model-versions"),
    path(f"{ds}model-versions/rollback/", ModelRollbackView.as_view(), name="model-rollback"),
    path("model-versions/<str:version_id>/", ModelVersionDetailView.as_view(), name="model-version"),
    path("model-versions/<str:version_id>/roc/", ModelVersionRocView.as_view(), name="model-version-roc"),
    path(
        "model-versions/<str:version_id>/promote/",
        ModelVersionPromoteView.as_view(),
        name="model-version-promote",
    ),
    path(f"{ds}ranking/", RankingSummaryView.as_view(), name="dataset-ranking"),
    path(f"{ds}ranking/refresh/", RankingRefreshView.as_view(), name="dataset-ranking-refresh"),
    path(f"{ds}ranking-scores/", RankingScoreListView.as_view(), name="dataset-ranking-scores"),
]
