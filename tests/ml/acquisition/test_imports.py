"""Acquisition, evaluation, splits and weak labels import without Django (and without torch, so a
light web or CPU worker process can rank and evaluate)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_import_bare() -> None:
    code = (
        "import sys\n"
        "import mlworker.ml.acquisition, mlworker.ml.evaluation\n"
        "import mlworker.ml.splits, mlworker.ml.weak_labels\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "print('LOADED', sorted(top & {'django', 'annotations', 'config', 'torch'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
