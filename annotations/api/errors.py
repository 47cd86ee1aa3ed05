"""One JSON error shape for the whole API: {"error": {"code": ..., "message": ..., "detail": ...}}.

An unexpected error (a bug) answers 500 in the same shape with an `error_id`, and the log gets that
id with the exception's type and stack, never its message or local variables, which may quote
patient data; a user reporting the id lets an operator find the traceback.
"""

import logging
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotations.api.error_log import stack_without_messages
from annotations.errors import DomainError
from annotations.io_errors import describe_os_error

log = logging.getLogger("arbiter.errors")


def unexpected_error_report(exc: BaseException, request: Any) -> str:
    """Log an unexpected error under a new id (with its stack, never its message); returns the id."""
    error_id = uuid.uuid4().hex
    match = getattr(request, "resolver_match", None)
    where = match.route if match is not None else "(unresolved)"
    log.error(
        "unexpected error %s: %s on %s %s\n%s",
        error_id,
        type(exc).__qualname__,
        getattr(request, "method", "?"),
        where,
        stack_without_messages(exc),
    )
    return error_id


def unexpected_error_body(error_id: str) -> dict:
    message = f"An unexpected error occurred; it was logged as {error_id} (quote it when reporting it)."
    return {"error": {"code": "server_error", "message": message, "detail": None, "error_id": error_id}}


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
    if isinstance(exc, OSError):
        # The server's own storage failed (a full or unwritable disk while Django spooled an upload,
        # for instance): say so in the one error shape, never as a debug page.
        failure = describe_os_error(exc, doing="handling the request")
        return Response(
            {"error": {"code": failure.code, "message": failure.message, "detail": None}},
            status=failure.http_status,
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
        error_id = unexpected_error_report(exc, context.get("request"))
        return Response(unexpected_error_body(error_id), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
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
