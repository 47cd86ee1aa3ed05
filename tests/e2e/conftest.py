"""Browser tests: a live server on the test database, Debian's chromium (and, for the tests marked
with BOTH_BROWSERS, Debian's firefox-esr over WebDriver BiDi) driven by playwright-core.

Each scenario is a Node script in js/ that prints one JSON line; screenshots go to
test-artifacts/screenshots/ and are kept (a Firefox run's carry a "-firefox" suffix). Without the
browser a test asks for, a built frontend or node the tests skip, except in CI (CI=true), where that
is a failure: `scripts/test.sh` installs them all.
"""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.services import in_ci

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
JS = Path(__file__).parent / "js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "pw-arbiter-1"
BROWSERS = ("chromium", "firefox")

# Runs a test once in each browser (its `browser` fixture then drives that one).
BOTH_BROWSERS = pytest.mark.parametrize("browser_name", BROWSERS)


def _executable(name: str) -> str | None:
    """The Debian browser binary for `name` ('chromium' or 'firefox'), or None when not installed."""
    candidates = {"chromium": ("chromium",), "firefox": ("firefox-esr", "firefox")}[name]
    for command in candidates:
        if found := shutil.which(command):
            return found
        if (usr_bin := Path("/usr/bin") / command).exists():
            return str(usr_bin)
    return None


def _missing(browser_name: str = "chromium") -> list[str]:
    missing = []
    if not shutil.which("node"):
        missing.append("node")
    if not _executable(browser_name):
        package = {"chromium": "chromium", "firefox": "firefox-esr"}[browser_name]
        missing.append(f"Debian's {package} (scripts/frontend.sh test-setup installs it)")
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir():
        missing.append("playwright-core (scripts/frontend.sh build)")
    if not (FRONTEND / "dist" / "index.html").is_file():
        missing.append("the built frontend (scripts/frontend.sh build)")
    return missing


@pytest.fixture
def browser_name() -> str:
    """The browser a test runs in; BOTH_BROWSERS parametrizes it over chromium and firefox."""
    return "chromium"


@pytest.fixture
def browser_ready(browser_name: str) -> None:
    missing = _missing(browser_name)
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Browser:
    base: str
    name: str = "chromium"

    def run(self, script: str, timeout: float = 90, browser: str | None = None, **config) -> dict:
        """Runs js/<script>.mjs with `config` in this browser (or `browser`: 'chromium' or 'firefox')
        and returns its JSON result (fails with its output)."""
        name = browser or self.name
        if name not in BROWSERS:
            raise ValueError(f"unknown browser {name!r}; one of {BROWSERS}")
        if name != self.name and (missing := _missing(name)):
            (pytest.fail if in_ci() else pytest.skip)("browser tests need " + ", ".join(missing))
        payload = {
            "base": self.base,
            "frontend": str(FRONTEND),
            "screenshots": str(SCREENSHOTS),
            "browser": name,
            "chromium": _executable("chromium") or "/usr/bin/chromium",
            "firefox": _executable("firefox") or "/usr/bin/firefox-esr",
            "password": PASSWORD,
            **config,
        }
        proc = subprocess.run(
            ["node", str(JS / f"{script}.mjs"), json.dumps(payload)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env={**os.environ, "NODE_NO_WARNINGS": "1"},
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            out = f"{proc.stdout}\n{proc.stderr}"
            pytest.fail(f"{script}.mjs printed no result (exit {proc.returncode}):\n{out}")
        result = json.loads(lines[-1])
        if not result.get("ok"):
            pytest.fail(f"{script}.mjs failed:\n{result.get('error')}\n{proc.stderr[-4000:]}")
        return result


@pytest.fixture
def browser(browser_ready, browser_name, live_server, transactional_db, settings) -> Browser:
    settings.STATICFILES_DIRS = [FRONTEND / "dist"]
    settings.DEBUG = False
    # A fast hasher: these tests sign in several users through the real login page.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Browser(base=live_server.url, name=browser_name)
