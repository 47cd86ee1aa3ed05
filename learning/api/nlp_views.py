"""Admin endpoints of the NLP loop: mining labels from a dataset's reports, and where final labels
contradict the NLP labels, grouped by rule.

POST /api/v1/datasets/{id}/nlp/ starts an NLP job (idempotent per pipeline version).
GET /api/v1/datasets/{id}/nlp-contradictions/?finding=&nlp_version=&examples=
(selector: learning.selectors.nlp_contradictions).
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access.datasets import access_dataset
from annotations.api.params import validated
from annotations.api.serializers import JobSerializer
from annotations.models.choices import Role
from learning.selectors.nlp_contradictions import NLP_ABSENT, NLP_PRESENT, nlp_contradictions
from learning.services.nlp_labels import nlp_job_start


class ContradictionQuerySerializer(serializers.Serializer):
    finding = serializers.CharField(required=False, max_length=64)
    nlp_version = serializers.CharField(required=False, max_length=80)
    examples = serializers.IntegerField(required=False, min_value=1, max_value=200, default=20)


class EvidenceSpanSerializer(serializers.Serializer):
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    text = serializers.CharField(allow_null=True)
    rule = serializers.CharField(allow_null=True)
    context = serializers.CharField(help_text="the report text around the span")


class ContradictedReportSerializer(serializers.Serializer):
    report_id = serializers.IntegerField(allow_null=True)
    study_id = serializers.IntegerField()
    image_id = serializers.IntegerField()
    nlp_value = serializers.CharField()
    final_value = serializers.CharField()
    evidence = EvidenceSpanSerializer(many=True)


class ContradictionGroupSerializer(serializers.Serializer):
    finding = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[
            (NLP_PRESENT, "NLP said present, the final label is absent"),
            (NLP_ABSENT, "NLP said absent, uncertain or nothing, the final label is present"),
        ]
    )
    rule = serializers.CharField(help_text="the phrase or ConText rule that decided the NLP value")
    count = serializers.IntegerField(help_text="reports in the group")
    reports = ContradictedReportSerializer(many=True, help_text="the first `examples` of them")


class ContradictionsSerializer(serializers.Serializer):
    dataset_id = serializers.IntegerField()
    nlp_version = serializers.CharField(allow_null=True)
    compared = serializers.IntegerField(help_text="(image, finding) pairs with a final and an NLP label")
    contradicted = serializers.IntegerField()
    groups = ContradictionGroupSerializer(many=True)


class NlpContradictionsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("finding", str, description="one finding key"),
            OpenApiParameter("nlp_version", str, description="NLP pipeline version (default: the newest)"),
            OpenApiParameter("examples", int, description="reports listed per group (1-200, default 20)"),
        ],
        responses={200: ContradictionsSerializer},
    )
    def get(self, request: Request, dataset_id: int) -> Response:
        """Reports whose NLP label the published final label contradicts, grouped by the phrase or
        rule that fired, largest group first (admins): which labeler rules to fix."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        query = validated(ContradictionQuerySerializer, request.query_params)
        result = nlp_contradictions(
            dataset,
            nlp_version=query.get("nlp_version"),
            finding=query.get("finding"),
            examples=query["examples"],
        )
        return Response(ContradictionsSerializer(result).data)


class NlpJobView(APIView):
    @extend_schema(request=None, responses={202: JobSerializer}, operation_id="datasets_nlp_create")
    def post(self, request: Request, id: int) -> Response:
        """Mine labels from the dataset's stored reports on a worker (idempotent per pipeline version)."""
        dataset = access_dataset(request.user, id, roles=(Role.ADMIN,))
        job = nlp_job_start(dataset=dataset, user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    # `{id}`, as the route had when it was an action of the domain's dataset viewset (same API).
    path("datasets/<int:id>/nlp/", NlpJobView.as_view(), name="dataset-nlp"),
    path(
        "datasets/<str:dataset_id>/nlp-contradictions/",
        NlpContradictionsView.as_view(),
        name="nlp-contradictions",
    ),
]
