"""The web UI's shell: `frontend/dist/index.html` (built by `scripts/frontend.sh build`) served at `/`
and at every other path that is not the API, the admin, sign-in or a static file, so deep links
such as `/read/3` load the single-page app, which then routes on the client.

The shell needs a signed-in user (anonymous visitors go to the sign-in page with `next=`) and sets
the CSRF cookie that the app sends back in the `X-CSRFToken` header on writes.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

_NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Arbiter</title></head>
<body><h1>Arbiter</h1><p>The web UI is not built yet. Run <code>scripts/frontend.sh build</code>
(the README's run command does this), then reload.</p><p>The REST API is at
<a href="/api/docs/">/api/docs/</a>.</p></body></html>"""

_cache: dict[str, tuple[float, bytes]] = {}


def _shell() -> bytes | None:
    """index.html from the build, re-read only when the file changes."""
    path = Path(settings.FRONTEND_DIST) / "index.html"
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(str(path))
    if cached is None or cached[0] != mtime:
        cached = (mtime, path.read_bytes())
        _cache[str(path)] = cached
    return cached[1]


@require_GET
@login_required
@ensure_csrf_cookie
def spa_shell(request: HttpRequest) -> HttpResponse:
    body = _shell()
    if body is None:
        return HttpResponse(_NOT_BUILT, status=503, content_type="text/html; charset=utf-8")
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
