"""Unexpected errors: the API answers a JSON 500 with an error id, every other path a plain 500 page,
never Django's debug page (even with DEBUG on); the log holds the id with the stack, not the
exception's message (which may quote patient data). DEBUG is off by default, and the web UI and
static files still serve with it off."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.urls

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Jane Doe, MRN 4711"  # what an exception message might quote; it must stay out of the log


class BrokenApiView(APIView):
    def get(self, request: Request) -> Response:
        raise ValueError(f"cannot read the report of {SECRET}")


def broken_page(request: HttpRequest) -> HttpResponse:
    try:
        {}["missing"]
    except KeyError as exc:
        raise RuntimeError(f"chained, about {SECRET}") from exc


def failing_middleware(get_response):
    """Fails outside any view (so Django's handler500 answers), on the paths named broken-middleware."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "broken-middleware" in request.path:
            raise LookupError(f"middleware saw {SECRET}")
        return get_response(request)

    return middleware


# This module is the URLconf of these tests: the real one plus two views that fail.
urlpatterns = [
    path("api/v1/test-broken/", BrokenApiView.as_view()),
    path("test-broken/", broken_page),
    *config.urls.urlpatterns,
]
handler404 = config.urls.handler404
handler500 = config.urls.handler500


@pytest.fixture
def broken_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def signed_in(make_user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(make_user("errors"))
    return client


def _error_ids(caplog) -> list[str]:
    return [r.args[0] for r in caplog.records if r.name == "arbiter.errors"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_api_view_that_raises_answers_json_500_with_an_id_that_is_in_the_log(
    broken_urls, signed_in, settings, caplog, debug
):
    settings.DEBUG = debug
    with caplog.at_level(logging.ERROR, logger="arbiter.errors"):
        r = signed_in.get("/api/v1/test-broken/")
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    error = r.json()["error"]
    assert error["code"] == "server_error" and error["detail"] is None
    assert len(error["error_id"]) == 32 and error["error_id"] in error["message"]
    assert _error_ids(caplog) == [error["error_id"]]
    logged = caplog.text
    assert "ValueError" in logged  # its type, route and stack
    assert "in get" in logged and "test_unexpected_errors.py" in logged and "api/v1/test-broken/" in logged
    assert SECRET not in logged and SECRET not in r.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_that_raises_answers_a_plain_500_page_never_the_debug_page(
    broken_urls, signed_in, settings, caplog, debug
):
    settings.DEBUG = debug
    with caplog.at_level(logging.ERROR, logger="arbiter.errors"):
        r = signed_in.get("/test-broken/")
    assert r.status_code == 500 and r["Content-Type"].startswith("text/html")
    page = r.content.decode()
    [error_id] = _error_ids(caplog)
    assert f"<code>{error_id}</code>" in page and "Server error" in page
    for debug_marker in ("Traceback", "DEBUG = True", "RuntimeError", "settings", SECRET):
        assert debug_marker not in page
    logged = caplog.text
    assert "RuntimeError" in logged and "KeyError" in logged and "in broken_page" in logged  # both causes
    assert SECRET not in logged


@pytest.mark.parametrize("url", ["/api/v1/broken-middleware/", "/broken-middleware/"])
def test_an_error_outside_any_view_is_answered_and_logged_the_same_way(
    broken_urls, signed_in, settings, caplog, url
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.failing_middleware"]
    with caplog.at_level(logging.ERROR):
        r = signed_in.get(url)
    assert r.status_code == 500
    [error_id] = _error_ids(caplog)
    if url.startswith("/api/"):
        assert r.json()["error"]["error_id"] == error_id
    else:
        assert f"<code>{error_id}</code>" in r.content.decode() and "Traceback" not in r.content.decode()
    assert "LookupError" in caplog.text and "in middleware" in caplog.text
    assert SECRET not in caplog.text  # not in our record, nor in Django's own request log


def test_unknown_api_paths_are_json_404_and_expected_errors_keep_their_status(broken_urls, signed_in):
    r = signed_in.get("/api/v1/no-such-thing/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = signed_in.get("/api/v1/datasets/999999/")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_debug_is_off_unless_asked_for(tmp_path):
    dotenv = ROOT / ".env"
    if dotenv.is_file() and any(ln.strip().startswith("DEBUG") for ln in dotenv.read_text().splitlines()):
        pytest.skip("this checkout's .env sets DEBUG; the default is what is tested here")
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "ARBITER_VAR_DIR": str(tmp_path)}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_static_files_and_the_ui_serve_with_debug_off(settings, tmp_path, make_user):
    """What `make run` does: collectstatic into STATIC_ROOT, then whitenoise serves it, DEBUG off."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    shell = '<!doctype html><div id="root"></div><script src="/static/assets/app.js">'
    (dist / "index.html").write_text(shell)
    (dist / "assets" / "app.js").write_text("console.log('arbiter');")
    settings.DEBUG = False
    settings.FRONTEND_DIST = dist
    settings.STATICFILES_DIRS = [dist]
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new client loads the middleware, so whitenoise sees the collected files
    app = client.get("/static/assets/app.js")
    assert app.status_code == 200 and b"".join(app.streaming_content) == b"console.log('arbiter');"
    admin_css = client.get("/static/admin/css/base.css")
    assert admin_css.status_code == 200 and admin_css["Content-Type"].startswith("text/css")
    assert client.get("/static/assets/missing.js").status_code == 404
    client.force_login(make_user("ui"))
    page = client.get("/console/1")
    assert page.status_code == 200 and page.content.decode() == shell
    login = Client().get("/accounts/login/")
    assert login.status_code == 200 and b"password" in login.content.lower()
