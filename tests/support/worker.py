"""A real Celery worker process for tests: the one starter for integration, e2e and fault tests.

By default the worker uses the broker this process publishes to (settings: Redis in CI, else the
filesystem transport in this run's var dir) and a fresh var dir; fault tests pass their private
Redis, their own media root and work dir, and a solo pool in its own process group so that a
SIGKILL takes the task down with it.
"""

import os
import signal
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

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WorkerProcess:
    proc: subprocess.Popen
    media_root: Path
    var_dir: Path
    broker_url: str
    log_path: Path
    own_session: bool = False  # started in its own session: signals go to its whole process group

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _signal(self, sig: signal.Signals) -> None:
        if self.own_session:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL (the whole process group when it has its own): no chance to ack, requeue or clean up."""
        if self.proc.poll() is None:
            self._signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it has not exited within 20 s."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def start_worker(
    *,
    queues: str = "default,gpu",
    concurrency: int | None = 1,
    pool: str | None = None,
    broker_url: str | None = None,
    media_root: Path | str | None = None,
    workdir: Path | None = None,
    visibility_timeout: int = 30,
    name: str = "test",
    own_session: bool = False,
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 90,
) -> WorkerProcess:
    """Start `celery worker` on the test database and wait until it says it is ready.

    broker_url: None means the settings' broker, which is purged first (a private broker is left
    as it is: tasks may already wait there). workdir (the worker's ARBITER_VAR_DIR and where its log
    goes): None means a fresh temporary dir. media_root: None means `<workdir>/media`, created.
    own_session: start it in a new session, so kill()/stop() signal its whole process group.
    """
    var_dir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="arbiter-worker-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    if media_root is None:
        media_root = var_dir / "media"
        media_root.mkdir(exist_ok=True)
    broker = broker_url or settings.CELERY_BROKER_URL
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "ARBITER_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(media_root),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(extra_env or {}),
    }
    if broker_url is None:
        if broker.startswith("filesystem"):
            env["ARBITER_BROKER_DIR"] = str(
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).parent
            )
        celery_app.control.purge()
    log_path = var_dir / f"worker-{uuid.uuid4().hex[:6]}.log"  # several workers may share a work dir
    args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues]
    if pool is not None:
        args += ["-P", pool]
    if concurrency is not None:
        args += ["-c", str(concurrency)]
    args += ["-n", f"{name}-{uuid.uuid4().hex[:8]}@%h", "--without-mingle", "--without-gossip", "-l", "INFO"]
    proc = subprocess.Popen(
        args,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=own_session,
    )
    worker = WorkerProcess(proc, Path(media_root), var_dir, broker, log_path, own_session)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{worker.log()[-3000:]}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError(f"celery worker did not become ready:\n{worker.log()[-3000:]}")
