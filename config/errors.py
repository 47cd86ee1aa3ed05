"""Unexpected errors outside the REST API's own handler: never Django's debug page.

`UnexpectedErrorMiddleware` catches what a non-DRF view raises (the web UI's shell, the admin, the
sign-in pages, and any plain Django view under /api/): /api/ paths answer the API's JSON 500 with an
`error_id`, every other path a plain 500 page quoting the id; the log gets the id and the stack
(annotations.api.errors.unexpected_error_report). Django's own answers to 404, 403, 400 and
suspicious requests are left to Django. `server_error` is the handler500 for what escapes a
middleware: the same two answers (with DEBUG on, Django shows its debug page for those instead, so
DEBUG stays off by default). Django's own request log, which records what escapes a middleware, gets
annotations.api.error_log.WithholdExceptionText in LOGGING.
"""

import sys
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape

from annotations.api.errors import unexpected_error_body, unexpected_error_report

DJANGO_HANDLES = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error</title></head>
<body><h1>Server error</h1><p>Something went wrong on our side and the request was not completed.</p>
<p>It was logged as error <code>{error_id}</code>; quote it when you report the problem.</p>
<p><a href="/">Back to Arbiter</a></p></body></html>"""


def unexpected_error_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    error_id = unexpected_error_report(exc, request)
    if request.path.startswith("/api/"):
        return JsonResponse(unexpected_error_body(error_id), status=500)
    return HttpResponseServerError(PAGE.format(error_id=escape(error_id)), content_type="text/html")


class UnexpectedErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, DJANGO_HANDLES):
            return None
        return unexpected_error_response(request, exc)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside its `except`, so the exception is still sys.exc_info()."""
    exc = sys.exc_info()[1] or RuntimeError("unknown server error")
    return unexpected_error_response(request, exc)
