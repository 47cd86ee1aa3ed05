"""A short run of bench.load (5 readers, a few seconds) against gunicorn + PostgreSQL on loopback:
every request succeeds and no item gets more first reads than its policy allows. The full run
(50 readers, 60 s) is `python -m bench.load`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import in_ci, is_postgres

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.skipif(not is_postgres() and not in_ci(), reason="the load run needs PostgreSQL")
def test_short_load_run_has_no_errors_and_keeps_the_reading_policy(tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    url = (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    )
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--readers",
            "5",
            "--duration",
            "8",
            "--baseline",
            "3",
            "--patients",
            "8",
            "--workers",
            "1",
            "--threads",
            "4",
            "--database",
            f"{url}/arbiter_load_smoke",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0, proc.stdout[-3000:]
    assert result["load"]["total"]["requests"] > 20
    submits = next(e for e in result["load"]["endpoints"] if e["name"] == "reads/submit")
    assert submits["requests"] > 0 and submits["failures"] == 0
    policy = result["policy"]
    assert policy["ok"] and policy["max_first_reads_per_item"] <= policy["readers_per_item"] == 3
    assert policy["reads_submitted"] >= submits["requests"]
    assert proc.returncode == 0
