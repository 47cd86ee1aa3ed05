"""The SPA shell view (config/spa.py): sign-in first, index.html at every UI path, never over the
API, the admin or static files; a clear page when the UI is not built."""

from django.test import Client

from config import spa


def test_ui_paths_need_sign_in_and_keep_the_deep_link(db):
    r = Client().get("/read/3")
    assert r.status_code == 302
    assert r["Location"] == "/accounts/login/?next=/read/3"


def test_ui_paths_serve_the_built_shell_with_a_csrf_cookie(make_user, settings, tmp_path):
    (tmp_path / "index.html").write_text(
        '<!doctype html><div id="root"></div><script src="/static/assets/x.js">'
    )
    settings.FRONTEND_DIST = tmp_path
    client = Client()
    client.force_login(make_user("shell"))
    for path in ("/", "/read/3", "/console/2/jobs", "/images/9"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert b'<div id="root"></div>' in r.content
        assert r["Cache-Control"] == "no-cache"
    assert "csrftoken" in r.cookies


def test_the_api_and_the_login_page_are_not_the_shell(make_user, settings, tmp_path):
    (tmp_path / "index.html").write_text("SHELL")
    settings.FRONTEND_DIST = tmp_path
    client = Client()
    client.force_login(make_user("shell2"))
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and b"SHELL" not in api.content
    assert client.get("/api/v1/me/").json()["username"] == "shell2"
    assert b"SHELL" not in Client().get("/accounts/login/").content


def test_an_unbuilt_ui_says_how_to_build_it(make_user, settings, tmp_path):
    settings.FRONTEND_DIST = tmp_path / "missing"
    spa._cache.clear()
    client = Client()
    client.force_login(make_user("shell3"))
    r = client.get("/")
    assert r.status_code == 503
    assert b"scripts/frontend.sh build" in r.content
