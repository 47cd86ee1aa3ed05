"""The NLP core is Django-free, and its fast path does not pull in medspacy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_imports_and_labels_without_django_or_medspacy() -> None:
    code = (
        "import sys\n"
        "from mlworker.ml.nlp import ReportLabeler\n"
        "from mlworker.ml.nlp import chexpert_csv, evaluation, gold\n"
        "labels = ReportLabeler('google4').label('No pneumothorax.')\n"
        "assert labels['Pneumothorax'].value == 'negative'\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "bad = sorted(top & {'django', 'annotations', 'config', 'medspacy'})\n"
        "print('LOADED', bad)\n"
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
