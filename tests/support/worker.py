"""A real Celery worker process for integration tests, on Redis (or the filesystem broker off-CI)."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app


@dataclass
class WorkerProcess:
    proc: subprocess.Popen
    media_root: Path
    var_dir: Path
    broker_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def start_worker(*, queues: str = "default,gpu", concurrency: int = 1) -> WorkerProcess:
    var_dir = Path(tempfile.mkdtemp(prefix="arbiter-worker-"))
    media_root = var_dir / "media"
    media_root.mkdir()
    # The worker uses the broker this process publishes to (settings: Redis in CI, else the
    # filesystem transport in this run's var dir).
    broker = settings.CELERY_BROKER_URL
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "ARBITER_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(media_root),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    if broker.startswith("filesystem"):
        env["ARBITER_BROKER_DIR"] = str(
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
        )
    celery_app.control.purge()
    log_path = var_dir / "worker.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-n",
            f"test-{uuid.uuid4().hex[:8]}@%h",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "INFO",
        ],
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    worker = WorkerProcess(proc, media_root, var_dir, broker, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{worker.log()[-3000:]}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.3)
    worker.stop()
    raise RuntimeError(f"celery worker did not become ready:\n{worker.log()[-3000:]}")
