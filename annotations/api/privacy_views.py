"""Admin-only privacy endpoints: the audit log of exports, downloads and re-identifications, and
re-identifying one pseudonym (audited); plus the caller's API tokens (list, revoke)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import auth_views
from annotations.api.params import int_param, validated
from annotations.models import AuditEvent
from annotations.selectors.audit_log import ACCESS_ACTIONS, audit_events
from annotations.services.privacy.identity import KINDS, identity_reveal


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "dataset", "after"]


class AuditListView(generics.ListAPIView):
    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "action",
                str,
                description="comma-separated actions; 'access' (default) for "
                "exports, downloads and re-identifications; 'all' for every event",
            ),
            OpenApiParameter("dataset", int),
            OpenApiParameter("actor", int),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        """The audit log, newest first (admins only)."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        raw = self.request.query_params.get("action", "access")
        actions = () if raw == "all" else ACCESS_ACTIONS if raw == "access" else tuple(raw.split(","))
        return audit_events(
            user=self.request.user,
            actions=actions,
            dataset_id=int_param(self.request, "dataset"),
            actor_id=int_param(self.request, "actor"),
        )


class RevealSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    pseudonym = serializers.CharField(max_length=64)
    reason = serializers.CharField(max_length=200)


class RevealView(APIView):
    @extend_schema(
        request=RevealSerializer,
        responses=inline_serializer(
            "Revealed",
            {
                "kind": serializers.CharField(),
                "pseudonym": serializers.CharField(),
                "original": serializers.CharField(),
            },
        ),
    )
    def post(self, request: Request) -> Response:
        """The original identifier behind a pseudonym (admins only; audited with the reason)."""
        body = validated(RevealSerializer, request.data)
        original = identity_reveal(actor=request.user, **body)
        return Response({"kind": body["kind"], "pseudonym": body["pseudonym"], "original": original})


urlpatterns = [
    path("audit/", AuditListView.as_view(), name="audit-list"),
    path("identity/reveal/", RevealView.as_view(), name="identity-reveal"),
    path("auth/tokens/", auth_views.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<str:token_key>/", auth_views.TokenRevokeView.as_view(), name="auth-token-revoke"),
]
