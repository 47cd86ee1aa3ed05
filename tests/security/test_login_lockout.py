"""Brute force: the 11th wrong password within a minute is refused and logged, on the token
endpoint and on the sign-in page, and even the right password waits out the lock."""

import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def victim(make_user):
    return make_user("victim", password="right-password-1")


def _try(client: APIClient, password: str):
    return client.post(TOKEN_URL, {"username": "victim", "password": password}, format="json")


def test_eleventh_wrong_password_in_a_minute_is_refused_and_logged(victim, caplog):
    client = APIClient()
    with caplog.at_level(logging.INFO, logger="arbiter.security"):
        for i in range(10):
            r = _try(client, f"wrong-{i}")
            assert r.status_code == 400, (i, r.content)
        eleventh = _try(client, "wrong-10")
        right = _try(client, "right-password-1")
    assert eleventh.status_code == 429 and eleventh.json()["error"]["code"] == "locked_out"
    assert right.status_code == 429  # locked: the password is not even checked
    messages = [r.getMessage() for r in caplog.records if r.name == "arbiter.security"]
    assert sum("login failed" in m for m in messages) == 10
    assert any("locked out for" in m and "victim" in m for m in messages)
    refused = [m for m in messages if m.startswith("login refused")]
    assert len(refused) == 2 and all("victim" in m and "127.0.0.1" in m for m in refused)
    assert not any("wrong-" in m or "right-password" in m for m in messages)  # never a password


def test_other_accounts_still_sign_in_and_the_lock_expires(victim, make_user, settings):
    make_user("bystander", password="bystander-pw-1")
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    for i in range(10):
        _try(client, f"wrong-{i}")
    assert _try(client, "right-password-1").status_code == 429
    other = APIClient(REMOTE_ADDR="10.0.0.10").post(
        TOKEN_URL, {"username": "bystander", "password": "bystander-pw-1"}, format="json"
    )
    assert other.status_code == 200 and other.json()["token"]
    from django.core.cache import cache

    cache.clear()  # the lock's time is up
    assert _try(client, "right-password-1").status_code == 200


def test_the_sign_in_page_counts_and_honours_the_same_lock(victim, caplog):
    browser = Client()
    for i in range(10):
        page = browser.post("/accounts/login/", {"username": "victim", "password": f"bad-{i}"})
        assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated
    with caplog.at_level(logging.WARNING, logger="arbiter.security"):
        page = browser.post("/accounts/login/", {"username": "victim", "password": "right-password-1"})
    assert page.status_code == 200 and "_auth_user_id" not in browser.session
    assert any("locked out" in r.getMessage() for r in caplog.records)


def test_token_creation_is_throttled_per_address(make_user):
    for name in ("script-a", "script-b"):
        make_user(name, password="scripted-pw-1")
    client = APIClient(REMOTE_ADDR="10.0.0.77")
    codes = [
        client.post(
            TOKEN_URL, {"username": f"script-{'ab'[i % 2]}", "password": "scripted-pw-1"}, format="json"
        ).status_code
        for i in range(31)
    ]
    assert codes[:30] == [200] * 30 and codes[30] == 429
