"""The web UI's Vitest unit tests (window/level maths, hotkeys, selection, evidence), run from pytest
so the README's one test command runs everything."""

import shutil
import subprocess

import pytest

from tests.e2e.conftest import FRONTEND, ROOT
from tests.support.services import in_ci


def test_vitest_unit_tests_pass():
    if not shutil.which("npm") or not (FRONTEND / "node_modules").is_dir():
        if in_ci():
            pytest.fail("npm and frontend/node_modules are needed (scripts/frontend.sh build)")
        pytest.skip("npm or frontend/node_modules missing (scripts/frontend.sh build)")
    proc = subprocess.run(
        [str(ROOT / "scripts" / "frontend.sh"), "unit"], capture_output=True, text=True, timeout=180, cwd=ROOT
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert " passed" in out and " failed" not in out
