"""The API's token authentication: django-rest-knox's (hashed, expiring, revocable tokens), loaded
lazily so that importing DRF's settings early (logging configuration does) needs no app registry."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication


class ExpiringTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>`; expired or revoked tokens are refused (401)."""

    def _knox(self):
        from knox.auth import TokenAuthentication

        return TokenAuthentication()

    def authenticate(self, request):
        return self._knox().authenticate(request)

    def authenticate_header(self, request) -> str:
        return "Token"


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of these tokens (`Authorization: Token <key>`)."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` from POST /api/v1/auth/token/; tokens expire and can be revoked.",
        }
