"""`GET /api/v1/datasets/{id}/dashboard/`: the dataset's state at a glance for its admins."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.access.datasets import access_dataset
from annotations.models.choices import Role
from annotations.selectors.dashboard import dataset_dashboard


class KappaSerializer(serializers.Serializer):
    finding = serializers.CharField()
    fleiss_kappa = serializers.FloatField(allow_null=True)
    items = serializers.IntegerField()


class ReaderProgressSerializer(serializers.Serializer):
    reader = serializers.IntegerField()
    username = serializers.CharField()
    first_reads = serializers.IntegerField()
    last_hour = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    dataset = serializers.IntegerField()
    films = serializers.IntegerField(help_text="images in the dataset")
    nlp_labelled = serializers.IntegerField(help_text="images with NLP labels")
    qc_held = serializers.IntegerField(help_text="images with an open QC flag")
    queued = serializers.IntegerField(help_text="items waiting for their first read")
    read_once = serializers.IntegerField()
    read_twice = serializers.IntegerField()
    read_thrice = serializers.IntegerField(help_text="three or more first reads, still in first reads")
    in_adjudication = serializers.IntegerField()
    final = serializers.IntegerField()
    not_queued = serializers.IntegerField(help_text="images not in the worklist")
    kappa = KappaSerializer(many=True)
    readers = ReaderProgressSerializer(many=True)


class DatasetDashboardView(generics.GenericAPIView):
    serializer_class = DashboardSerializer

    @extend_schema(responses=DashboardSerializer)
    def get(self, request: Request, dataset_id: int) -> Response:
        """Films, NLP-labelled, QC-held, queued, read once/twice/thrice, in adjudication, final (images,
        never labels), Fleiss' kappa per finding, per-reader progress and speed. Dataset admins only."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        return Response(DashboardSerializer(dataset_dashboard(dataset)).data)


urlpatterns = [
    path("datasets/<int:dataset_id>/dashboard/", DatasetDashboardView.as_view(), name="dataset-dashboard"),
]
