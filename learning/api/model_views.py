"""Model endpoints: start QC (bad-image detection) and scoring jobs, and model overlays of an image.

Thin: access selectors decide who may do and see what, services and tasks do the work.
"""

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access.datasets import access_dataset
from annotations.api.serializers import JobSerializer
from annotations.errors import NotFoundError
from annotations.models.choices import Role
from learning.models import ModelVersion
from learning.selectors.overlays import access_overlay
from learning.services.overlays import MAX_SIDE, overlay_png
from learning.services.qc.jobs import qc_start
from learning.services.scoring.jobs import scoring_start


class QCStartSerializer(serializers.Serializer):
    retrain = serializers.BooleanField(
        required=False,
        help_text="Fine-tune the orientation / inversion detector on the dataset's own films now.",
    )
    epochs = serializers.IntegerField(
        required=False, min_value=1, max_value=200, help_text="Fine-tuning epochs (default 4)."
    )
    train_max = serializers.IntegerField(
        required=False, min_value=20, help_text="Images sampled for self-supervised training."
    )
    view_min_per_class = serializers.IntegerField(
        required=False, min_value=2, help_text="Reviewed examples needed to train the view classifier."
    )
    threshold = serializers.FloatField(
        required=False,
        min_value=0.01,
        max_value=1.0,
        help_text="Probability from which detectors flag (default: the orientation detector's own; 0.8 "
        "for the view classifier).",
    )


class ScoringStartSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(help_text="A model version of this dataset (chexnet or oct).")
    image_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=False, help_text="Default: every image."
    )
    chunk_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, help_text="Images per worker task (default 2048)."
    )


class OverlayQuerySerializer(serializers.Serializer):
    finding = serializers.CharField(required=False, help_text="Default: the model's most probable finding.")
    model_version = serializers.IntegerField(required=False, help_text="Default: the production model.")
    alpha = serializers.FloatField(required=False, default=0.5, min_value=0.0, max_value=1.0)
    size = serializers.IntegerField(
        required=False, min_value=8, max_value=MAX_SIDE, help_text="Longer side in pixels (default ≤ 1024)."
    )


class DatasetQCView(APIView):
    @extend_schema(request=QCStartSerializer, responses={202: JobSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Flag bad images (rotated, inverted, lateral, other body part, pediatric) on a worker (admin).

        Detectors are trained self-supervised from the dataset's own images on the first run and
        reused after; flagged images are held from reading until their flags are reviewed."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        body = QCStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = qc_start(dataset=dataset, user=request.user, options=dict(body.validated_data))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DatasetScoringView(APIView):
    @extend_schema(request=ScoringStartSerializer, responses={202: JobSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Score the dataset's images with a model version on the GPU workers (admin); predictions,
        embeddings and model labels are stored per image and model version, idempotently."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        body = ScoringStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mv = ModelVersion.objects.filter(pk=body.validated_data["model_version"], dataset=dataset).first()
        if mv is None:
            raise NotFoundError("No such model version for this dataset.")
        job = scoring_start(
            model_version=mv,
            user=request.user,
            image_ids=body.validated_data.get("image_ids"),
            chunk_size=body.validated_data.get("chunk_size"),
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImageOverlayView(APIView):
    @extend_schema(
        parameters=[OverlayQuerySerializer],
        responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, image_id: int) -> HttpResponse:
        """The model's heat map for one finding as an RGBA PNG at the image's aspect ratio, to lay
        over /render/: a class activation map for CheXNet, an occlusion map for the OCT model.
        403 overlays_hidden where the dataset hides model overlays from readers; 409 no_model
        without a production model."""
        q = OverlayQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        image, mv = access_overlay(request.user, image_id, q.validated_data.get("model_version"))
        data, finding = overlay_png(
            image,
            mv,
            finding=q.validated_data.get("finding"),
            alpha=q.validated_data["alpha"],
            size=q.validated_data.get("size"),
        )
        response = HttpResponse(data, content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Overlay-Finding"] = finding
        response["X-Model-Version"] = mv.version_tag
        return response


urlpatterns = [
    path("datasets/<int:dataset_id>/qc/", DatasetQCView.as_view(), name="dataset-qc"),
    path("datasets/<int:dataset_id>/scoring/", DatasetScoringView.as_view(), name="dataset-scoring"),
    path("images/<int:image_id>/overlay/", ImageOverlayView.as_view(), name="image-overlay"),
]
