"""Running a snippet in a fresh interpreter without Django settings, to prove what a module pulls in."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def top_level_modules_loaded(code: str, forbidden: set[str]) -> list[str]:
    """Run `code` in a new Python (repository root, no DJANGO_SETTINGS_MODULE); return which of the
    `forbidden` top-level packages ended up imported."""
    probe = (
        f"{code}\nimport sys\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(forbidden)!r})))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("LOADED ")), None)
    assert line is not None, out.stdout + out.stderr
    return ast.literal_eval(line.removeprefix("LOADED "))
