"""API tokens: username and password in, an expiring token out; the caller's tokens listed and revoked.

Tokens are django-rest-knox tokens: stored hashed, expiring after ARBITER_TOKEN_TTL_HOURS, many per
user (one per script or machine), each revocable. Token creation is throttled per client address
(scope `auth`) and refused while the account or the address is locked out after repeated wrong
passwords (`annotations.auth.lockout`); refusals are logged.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotations.auth import lockout
from annotations.errors import DomainError, ForbiddenError, NotFoundError


class LockedOutError(DomainError):
    code = "locked_out"
    http_status = 429


class TokenView(APIView):
    """POST username and password (form or JSON); the answer's token goes in `Authorization: Token <key>`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Obtain an API token",
        description=(
            "Exchange a username and password for a new API token that expires at `expiry`. Send it "
            "on every request as the header `Authorization: Token <key>`. A request without "
            "credentials answers 401 with `WWW-Authenticate: Token`. Repeated wrong passwords lock "
            "the account for a while (429 `locked_out`); list and revoke tokens at /api/v1/auth/tokens/."
        ),
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer(
                "AuthToken", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
            ),
            400: inline_serializer("AuthTokenRefused", {"error": serializers.DictField()}),
            429: inline_serializer("AuthTokenLockedOut", {"error": serializers.DictField()}),
        },
        examples=[
            OpenApiExample(
                "Demo reader", value={"username": "rad1", "password": "arbiter-demo"}, request_only=True
            )
        ],
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        username = str(request.data.get("username", ""))
        address = lockout.client_address(request)
        if lockout.locked_out(username, address):
            lockout.refuse(username, address, request.path)
            raise LockedOutError("Too many wrong passwords: this account is locked for a while.")
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if (
            limit is not None
            and AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).count() >= limit
        ):
            raise ForbiddenError(
                f"You already hold {limit} unexpired tokens; revoke one at /api/v1/auth/tokens/ first.",
                code="too_many_tokens",
            )
        instance, token = AuthToken.objects.create(user)
        return Response({"token": token, "expiry": instance.expiry})


class TokenInfoSerializer(serializers.Serializer):
    token_key = serializers.CharField(help_text="the first characters of the token, to tell them apart")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)


class TokenListView(APIView):
    @extend_schema(responses=TokenInfoSerializer(many=True), tags=["auth"], operation_id="auth_tokens_list")
    def get(self, request: Request) -> Response:
        """The caller's unexpired tokens (never the secret part)."""
        rows = (
            AuthToken.objects.filter(user=request.user, expiry__gt=timezone.now())
            .order_by("-created")
            .values("token_key", "created", "expiry")
        )
        return Response(TokenInfoSerializer(list(rows), many=True).data)


class TokenRevokeView(APIView):
    @extend_schema(responses={204: None}, tags=["auth"], operation_id="auth_tokens_revoke")
    def delete(self, request: Request, token_key: str) -> Response:
        """Revoke one of the caller's tokens: it stops working at once."""
        deleted, _ = AuthToken.objects.filter(user=request.user, token_key=token_key).delete()
        if not deleted:
            raise NotFoundError("No such token.")
        return Response(status=204)


token_view = TokenView.as_view()
