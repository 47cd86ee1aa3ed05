"""The token endpoint, documented: username and password in, an API token out (DRF's authtoken)."""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken


class TokenView(ObtainAuthToken):
    """POST username and password (form or JSON); the answer's token goes in `Authorization: Token <key>`."""

    @extend_schema(
        operation_id="auth_token_create",
        summary="Obtain an API token",
        description=(
            "Exchange a username and password for the user's API token (the same token on every call). "
            "Send it on every request as the header `Authorization: Token <key>`. A request without "
            "credentials answers 401 with `WWW-Authenticate: Token`."
        ),
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: inline_serializer("AuthTokenRefused", {"error": serializers.DictField()}),
        },
        examples=[
            OpenApiExample(
                "Demo reader", value={"username": "rad1", "password": "arbiter-demo"}, request_only=True
            )
        ],
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


token_view = TokenView.as_view()
