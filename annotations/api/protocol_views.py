"""The reading protocol's presets, and the cases stuck without an eligible adjudicator (admins).
Thin: annotations.services.datasets.protocol_presets and annotations.selectors.stuck_cases decide."""

from dataclasses import asdict

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access.datasets import access_dataset
from annotations.api.serializers import ProtocolPresetSerializer
from annotations.models.choices import Role
from annotations.selectors.stuck_cases import stuck_cases
from annotations.services.datasets.protocol_presets import DEFAULT_PRESET, PRESETS


class PresetsOut(serializers.Serializer):
    default = serializers.CharField()
    presets = ProtocolPresetSerializer(many=True)


class StuckCaseOut(serializers.Serializer):
    case = serializers.IntegerField()
    image = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    readers = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=["no_adjudicator", "all_adjudicators_read_it"])


class StuckCasesOut(serializers.Serializer):
    adjudicators = serializers.IntegerField(help_text="active users with the adjudicator role here")
    cases = StuckCaseOut(many=True)


class ProtocolPresetsView(APIView):
    @extend_schema(responses={200: PresetsOut})
    def get(self, request: Request) -> Response:
        """The named reading-protocol presets a dataset's policy can be set to (PATCH .../policy/
        with {"preset": name}); `default` is what new datasets start from."""
        presets = [
            {"name": p.name, "title": p.title, "description": p.description, "values": dict(p.values)}
            for p in PRESETS.values()
        ]
        return Response(PresetsOut({"default": DEFAULT_PRESET, "presets": presets}).data)


class StuckCasesView(APIView):
    @extend_schema(responses={200: StuckCasesOut})
    def get(self, request: Request, dataset_id: str) -> Response:
        """Cases waiting for an adjudicator that no adjudicator of the dataset may decide (each one
        read the item, or there is none): grant the adjudicator role to someone who did not (admins)."""
        dataset = access_dataset(request.user, dataset_id, roles=(Role.ADMIN,))
        result = stuck_cases(dataset)
        return Response(
            StuckCasesOut(
                {"adjudicators": result.adjudicators, "cases": [asdict(c) for c in result.cases]}
            ).data
        )


urlpatterns = [
    path("protocol-presets/", ProtocolPresetsView.as_view(), name="protocol-presets"),
    path("datasets/<str:dataset_id>/stuck-cases/", StuckCasesView.as_view(), name="dataset-stuck-cases"),
]
