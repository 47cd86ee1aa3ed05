"""API docs work offline (scripts from the installed sidecar); anonymous calls get 401 + a challenge."""

import re

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_scripts_from_our_static_files(page, make_user):
    client = APIClient()
    client.force_authenticate(make_user("docs-reader"))
    r = client.get(page)
    assert r.status_code == 200
    html = r.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html), "a script or stylesheet from another host"
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts, html[:500]
    for src in scripts:
        assert src.startswith("/static/drf_spectacular_sidecar/"), src
        assert finders.find(src.removeprefix("/static/")), f"{src} is not in an installed package"


def test_a_request_without_credentials_is_401_with_a_token_challenge(db):
    r = APIClient().get("/api/v1/me/")
    assert r.status_code == 401
    assert r["WWW-Authenticate"] == "Token"
    r = APIClient().post("/api/v1/datasets/1/worklist/next/")  # refused before any lookup
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"


def test_session_and_token_both_still_authenticate(make_user):
    make_user("sess")
    session = APIClient()
    session.login(username="sess", password="pw-arbiter-1")
    assert session.get("/api/v1/me/").json()["username"] == "sess"
    body = (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "sess", "password": "pw-arbiter-1"}, format="json")
        .json()
    )
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert token.get("/api/v1/me/").json()["username"] == "sess"
    bad = APIClient().post("/api/v1/auth/token/", {"username": "sess", "password": "wrong"}, format="json")
    assert bad.status_code == 400


def test_the_token_endpoint_is_documented():
    schema = APIClient().get("/api/schema/?format=json", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    op = schema.json()["paths"]["/api/v1/auth/token/"]["post"]
    assert op["summary"] == "Obtain an API token"
    assert "Authorization: Token" in op["description"]
    content = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert content.endswith("AuthTokenRequest")
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AuthToken")
