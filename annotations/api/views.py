"""Views of the v1 API for datasets, studies, images, imports and jobs. Thin: access selectors and
services do the work."""

from django.db.models import Count
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.blinding import access_machine_labels
from annotations.access.datasets import (
    access_dataset,
    access_datasets,
    access_image,
    access_images,
    access_jobs,
    object_id,
)
from annotations.api import serializers as s
from annotations.errors import NotFoundError
from annotations.ingest.uploads import import_upload
from annotations.models import Label, Study
from annotations.models.choices import Role
from annotations.services.datasets.datasets import dataset_policy_update
from annotations.services.jobs.records import job_cancel
from annotations.services.rendering import image_pixels, image_render, image_thumbnail, image_windows


class DatasetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DatasetSerializer

    def get_queryset(self):
        return (
            access_datasets(self.request.user)
            .select_related("schema")
            .prefetch_related("schema__findings")
            .annotate(image_count=Count("images"))
            .order_by("id")
        )

    @extend_schema(request=s.DatasetPolicySerializer, responses={200: s.DatasetSerializer})
    @action(detail=True, methods=["patch"], url_path="policy")
    def policy(self, request: Request, pk=None) -> Response:
        """Change the dataset's reading policy (admins). Send only the fields to change; all or nothing.

        A new readers_per_item also applies to queued items still taking first reads, never below
        the reads they already have (see annotations.services.datasets.datasets).
        """
        dataset = access_dataset(request.user, pk, roles=(Role.ADMIN,))
        body = s.DatasetPolicySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dataset_policy_update(dataset=dataset, changes=body.validated_data, actor=request.user)
        return Response(s.DatasetSerializer(self.get_queryset().get(pk=dataset.pk)).data)

    @extend_schema(
        request={"multipart/form-data": s.ImportUploadSerializer}, responses={202: s.JobSerializer}
    )
    @action(detail=True, methods=["post"], url_path="imports", parser_classes=[MultiPartParser, FormParser])
    def imports(self, request: Request, pk=None) -> Response:
        """Upload a file (DICOM, zip of DICOMs, zip of a public data set folder, reports CSV) to import.

        The import runs on a worker; poll the returned job for progress and the per-file errors.
        """
        dataset = access_dataset(request.user, pk, roles=(Role.ADMIN,))
        body = s.ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = import_upload(
            dataset=dataset,
            importer=body.validated_data["importer"],
            upload=body.validated_data["file"],
            user=request.user,
        )
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class StudyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.StudySerializer

    def get_queryset(self):
        qs = Study.objects.filter(dataset__in=access_datasets(self.request.user)).select_related("patient")
        if dataset := self.request.query_params.get("dataset"):
            qs = qs.filter(dataset_id=dataset)
        return qs.prefetch_related("images").order_by("id")


class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ImageSerializer

    def get_queryset(self):
        qs = access_images(self.request.user).select_related("study")
        if dataset := self.request.query_params.get("dataset"):
            qs = qs.filter(dataset_id=dataset)
        return qs.order_by("id")

    @extend_schema(
        parameters=[s.RenderQuerySerializer],
        responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def render(self, request: Request, pk=None) -> HttpResponse:
        """The image rendered from full bit depth at a window (centre/width) and size, as PNG or WebP."""
        image = access_image(request.user, pk)
        q = s.RenderQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        data, content_type = image_render(
            image,
            center=q.validated_data.get("wc"),
            width=q.validated_data.get("ww"),
            size=q.validated_data.get("size"),
            fmt=q.validated_data["format"],
            invert=q.validated_data["invert"],
        )
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(
        parameters=[s.PixelsQuerySerializer],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def pixels(self, request: Request, pk=None) -> HttpResponse:
        """Full-bit-depth modality values for the browser's viewer: little-endian uint16, row-major;
        value = X-Arbiter-Intercept + X-Arbiter-Slope * sample; X-Arbiter-Rows/Cols give the shape."""
        image = access_image(request.user, pk)
        q = s.PixelsQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        data, headers = image_pixels(image, size=q.validated_data.get("size"))
        response = HttpResponse(data, content_type="application/octet-stream")
        for key, value in headers.items():
            response[key] = value
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(responses=s.ImageWindowsSerializer)
    @action(detail=True, methods=["get"])
    def windows(self, request: Request, pk=None) -> Response:
        """Window presets in real units (HU for CT; the file's windows and presets from the pixel
        distribution for CR/DX/MG/MR), the photometric interpretation and the file's VOI LUT."""
        image = access_image(request.user, pk)
        response = Response(image_windows(image))
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(responses={(200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk=None) -> HttpResponse:
        image = access_image(request.user, pk)
        data, content_type = image_thumbnail(image)
        response = HttpResponse(data, content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response

    @extend_schema(responses=s.LabelSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def labels(self, request: Request, pk=None) -> Response:
        """NLP and model labels of the image: the sources the reading screen would show the caller
        with the image now (annotations.access.blinding.access_machine_labels)."""
        image = access_image(request.user, pk)
        sources = access_machine_labels(request.user, image)
        labels = Label.objects.filter(image=image, source__in=sources).select_related("finding")
        return Response(s.LabelSerializer(labels.order_by("finding__order", "source"), many=True).data)


class JobViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.JobSerializer

    def get_queryset(self):
        return access_jobs(self.request.user).order_by("-id")

    @extend_schema(
        request=None,
        responses={
            200: s.JobSerializer,
            403: OpenApiResponse(description="not an admin of the job's dataset"),
            404: OpenApiResponse(description="no such job (or not a member of its dataset)"),
            409: OpenApiResponse(description="already finished, or finishing"),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk=None) -> Response:
        """Cancel a queued or running job of any kind (admins of its dataset). The status is
        `cancelled` at once, also when its worker is gone; a live worker stops at its next heartbeat
        or check (a scoring job within one slice of images; queued chunks exit without scoring).
        What was stored before stays (imported images, labels, predictions). 409 when it already
        finished (or a scoring job is finishing)."""
        job = self.get_queryset().filter(pk=object_id(pk, "job")).first()
        if job is None:
            raise NotFoundError("No such job.")
        access_dataset(request.user, job.dataset_id, roles=(Role.ADMIN,))
        return Response(s.JobSerializer(job_cancel(job=job, user=request.user)).data)
