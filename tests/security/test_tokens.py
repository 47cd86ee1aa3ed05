"""API tokens expire, can be listed (never their secret) and revoked by their owner."""

import datetime as dt

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient


def _token(username: str, password: str) -> dict:
    r = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def _as(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_expires(make_user, settings):
    make_user("tok", password="tok-password-1")
    body = _token("tok", "tok-password-1")
    expiry = dt.datetime.fromisoformat(body["expiry"].replace("Z", "+00:00"))
    assert dt.timedelta(days=6) < expiry - timezone.now() <= dt.timedelta(days=7)
    assert _as(body["token"]).get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(user__username="tok").update(expiry=timezone.now() - dt.timedelta(seconds=1))
    r = _as(body["token"]).get("/api/v1/me/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"


def test_tokens_are_listed_per_user_and_revoked(make_user):
    make_user("ann", password="ann-password-1")
    make_user("bob", password="bob-password-1")
    laptop, ci = _token("ann", "ann-password-1")["token"], _token("ann", "ann-password-1")["token"]
    bobs = _token("bob", "bob-password-1")["token"]
    listed = _as(laptop).get("/api/v1/auth/tokens/").json()
    assert len(listed) == 2
    assert all(laptop not in str(t) and ci not in str(t) for t in listed)  # the secret never comes back
    assert {t["token_key"] for t in listed} == {laptop[:15], ci[:15]}
    # Bob can neither see nor revoke Ann's tokens.
    assert len(_as(bobs).get("/api/v1/auth/tokens/").json()) == 1
    assert _as(bobs).delete(f"/api/v1/auth/tokens/{ci[:15]}/").status_code == 404
    assert _as(laptop).delete(f"/api/v1/auth/tokens/{ci[:15]}/").status_code == 204
    assert _as(ci).get("/api/v1/me/").status_code == 401
    assert _as(laptop).get("/api/v1/me/").status_code == 200


def test_tokens_are_stored_hashed(make_user):
    make_user("hash", password="hash-password-1")
    token = _token("hash", "hash-password-1")["token"]
    row = AuthToken.objects.get(user__username="hash")
    assert token not in (row.digest, row.token_key) and row.token_key == token[:15]
