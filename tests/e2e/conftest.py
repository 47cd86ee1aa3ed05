"""Browser tests: a live server on the test database, Debian's chromium driven by playwright-core.

Each scenario is a Node script in js/ that prints one JSON line; screenshots go to
test-artifacts/screenshots/ and are kept. Without chromium, a built frontend or node the tests skip,
except in CI (CI=true), where that is a failure: `scripts/test.sh` installs all three.
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


def _missing() -> list[str]:
    missing = []
    if not shutil.which("node"):
        missing.append("node")
    if not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
        missing.append("Debian's chromium (scripts/frontend.sh test-setup installs it)")
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir():
        missing.append("playwright-core (scripts/frontend.sh build)")
    if not (FRONTEND / "dist" / "index.html").is_file():
        missing.append("the built frontend (scripts/frontend.sh build)")
    return missing


@pytest.fixture
def browser_ready() -> None:
    missing = _missing()
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Browser:
    base: str

    def run(self, script: str, timeout: float = 90, **config) -> dict:
        """Runs js/<script>.mjs with `config` and returns its JSON result (fails with its output)."""
        payload = {
            "base": self.base,
            "frontend": str(FRONTEND),
            "screenshots": str(SCREENSHOTS),
            "chromium": shutil.which("chromium") or "/usr/bin/chromium",
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
def browser(browser_ready, live_server, transactional_db, settings) -> Browser:
    settings.STATICFILES_DIRS = [FRONTEND / "dist"]
    settings.DEBUG = False
    # A fast hasher: these tests sign in several users through the real login page.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Browser(base=live_server.url)
