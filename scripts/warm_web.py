#!/usr/bin/env python3
"""Warm the web server's workers before its address is shown (scripts/run.sh): sign in as the demo
admin and load the pages and API calls of a first visit, from a few connections at once so every
worker serves some; then time one first-page load as a newcomer would see it. Standard library only.

usage: warm_web.py BASE_URL USER PASSWORD [ROUNDS]
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PAGES = ["/", "/api/v1/me/", "/api/v1/datasets/", "/api/docs/"]


def wait_up(base: str, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=5).read()
            return
        except Exception as exc:
            if time.monotonic() > end:
                raise SystemExit(f"the web server did not answer at {base} within {timeout:.0f} s") from exc
            time.sleep(0.3)


def visit(base: str, user: str, password: str) -> float:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    t0 = time.perf_counter()
    opener.open(base + "/accounts/login/", timeout=30).read()
    token = next((c.value for c in jar if c.name == "csrftoken"), "")
    body = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": token})
    login = base + "/accounts/login/"
    req = urllib.request.Request(login, data=body.encode(), headers={"Referer": base + "/"})
    opener.open(req, timeout=30).read()
    for page in PAGES:
        with contextlib.suppress(urllib.error.HTTPError):  # an error page still warms the path
            opener.open(base + page, timeout=30).read()
    return time.perf_counter() - t0


def main() -> None:
    base, user, password = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    wait_up(base)
    with ThreadPoolExecutor(max_workers=rounds) as pool:
        list(pool.map(lambda _: visit(base, user, password), range(rounds)))
    t0 = time.perf_counter()
    urllib.request.urlopen(base + "/accounts/login/", timeout=30).read()
    first = time.perf_counter() - t0
    print(f"==> web workers warm (first page in {first * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
