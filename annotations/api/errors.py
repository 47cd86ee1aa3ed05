"""One JSON error shape for the whole API: {"error": {"code": ..., "message": ..., "detail": ...}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.services.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        # The database connection dropped or the server is unreachable: the transaction rolled back,
        # nothing of the request was stored, and the same request can simply be sent again.
        return Response(
            {
                "error": {
                    "code": "database_unavailable",
                    "message": "The database connection was lost; nothing was saved. Please try again.",
                    "detail": None,
                }
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, DomainError):
        return Response(
            {"error": {"code": exc.code, "message": str(exc), "detail": exc.detail}},
            status=exc.http_status,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = "The request is not valid; see detail."
        code = "invalid"
    else:
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = getattr(exc, "default_code", "error")
        detail = None
    response.data = {"error": {"code": code, "message": message, "detail": detail}}
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data["error"]["code"] = "method_not_allowed"
    return response
