"""`GET /api/v1/me/`: who is signed in and which roles they hold on which datasets.

The web UI uses it to decide what to show (a radiologist never sees admin actions); the server
still checks every request through the access selectors, so this is a convenience, not a guard.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access.datasets import access_datasets
from annotations.models import DatasetMembership
from annotations.models.choices import Role


class MembershipSerializer(serializers.Serializer):
    dataset = serializers.IntegerField()
    dataset_slug = serializers.CharField()
    dataset_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), help_text="every role held on any dataset"
    )
    memberships = MembershipSerializer(many=True)


def _memberships(user) -> list[dict]:
    """One entry per visible dataset with the user's roles on it (staff hold every role)."""
    by_dataset: dict[int, dict] = {}
    for ds in access_datasets(user).order_by("id").only("id", "slug", "name"):
        by_dataset[ds.id] = {
            "dataset": ds.id,
            "dataset_slug": ds.slug,
            "dataset_name": ds.name,
            "roles": list(Role.values) if user.is_staff else [],
        }
    if not user.is_staff:
        rows = DatasetMembership.objects.filter(user=user).values_list("dataset_id", "role")
        for dataset_id, role in rows.order_by("dataset_id", "role"):
            if dataset_id in by_dataset:
                by_dataset[dataset_id]["roles"].append(role)
    return list(by_dataset.values())


class MeView(APIView):
    @extend_schema(responses=MeSerializer, operation_id="me_retrieve")
    def get(self, request: Request) -> Response:
        """The signed-in user, with their roles per dataset."""
        user = request.user
        memberships = _memberships(user)
        roles = sorted({r for m in memberships for r in m["roles"]})
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "is_staff": user.is_staff,
            "roles": roles,
            "memberships": memberships,
        }
        return Response(MeSerializer(data).data)
