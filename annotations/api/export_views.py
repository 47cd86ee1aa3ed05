"""Label-set snapshots: list, create (admins), detail, and streamed downloads of the stored files."""

import json

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.datasets import access_dataset
from annotations.api import reading_serializers as s
from annotations.errors import NotFoundError
from annotations.models import LabelSetSnapshot
from annotations.models.choices import Role
from annotations.services.exports.access_audit import download_record
from annotations.services.exports.snapshots import FORMATS, snapshot_create, snapshot_path

READERS = (Role.ADMIN, Role.EXPORT, Role.ADJUDICATOR)


class DownloadRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header (text/csv, application/x-ndjson, ...);
    the file itself is a FileResponse, and errors still go out as JSON."""

    media_type = "*/*"
    format = "download"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data).encode()


class SnapshotListCreateView(generics.ListAPIView):
    """The dataset's label-set snapshots, newest first (admins, adjudicators, the export role)."""

    serializer_class = s.SnapshotSerializer

    def get_queryset(self):
        dataset = access_dataset(self.request.user, self.kwargs["dataset_id"], roles=READERS)
        return LabelSetSnapshot.objects.filter(dataset=dataset).order_by("-number")

    @extend_schema(request=s.SnapshotCreateSerializer, responses={202: s.SnapshotSerializer})
    def post(self, request: Request, dataset_id: int) -> Response:
        """Create the next numbered snapshot with filters (admins). A worker writes its files; poll it
        until status is ready, then download. The snapshot and its files never change afterwards."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        body = s.SnapshotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        snapshot = snapshot_create(dataset=dataset, actor=request.user, filters=body.validated_data)
        return Response(s.SnapshotSerializer(snapshot).data, status=status.HTTP_202_ACCEPTED)


def _snapshot(request: Request, dataset_id: int, number: int) -> LabelSetSnapshot:
    dataset = access_dataset(request.user, dataset_id, roles=READERS)
    snapshot = LabelSetSnapshot.objects.filter(dataset=dataset, number=number).first()
    if snapshot is None:
        raise NotFoundError("No such snapshot.")
    return snapshot


class SnapshotDetailView(generics.GenericAPIView):
    serializer_class = s.SnapshotSerializer

    def get(self, request: Request, dataset_id: int, number: int) -> Response:
        return Response(s.SnapshotSerializer(_snapshot(request, dataset_id, number)).data)


class SnapshotDownloadView(generics.GenericAPIView):
    serializer_class = s.DownloadQuerySerializer
    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        parameters=[s.DownloadQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
    def get(self, request: Request, dataset_id: int, number: int) -> FileResponse:
        """The snapshot's CSV (one row per image) or JSON Lines (one label per line, with provenance),
        streamed from the stored file: the same bytes every time, with their SHA-256 in the
        X-Content-SHA256 header and the ETag."""
        snapshot = _snapshot(request, dataset_id, number)
        q = s.DownloadQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        fmt = q.validated_data["file"]
        path = snapshot_path(snapshot, fmt)
        download_record(actor=request.user, snapshot=snapshot, file_format=fmt)
        digest = snapshot.csv_sha256 if fmt == "csv" else snapshot.jsonl_sha256
        response = FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{snapshot.dataset.slug}-labels-v{snapshot.number}.{fmt}",
            content_type=FORMATS[fmt],
        )
        response["X-Content-SHA256"] = digest
        response["ETag"] = f'"{digest}"'
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response
