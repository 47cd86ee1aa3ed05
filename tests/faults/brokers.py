"""A private Redis (own port, own AOF dir) and Celery workers bound to it, for fault tests.

Never touches the machine's shared Redis. Tasks are published to the private Redis explicitly
(``publish``), so the test process's Celery app keeps its configured broker.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings

from config.celery import app as celery_app
from tests.support.ports import free_port
from tests.support.worker import WorkerProcess
from tests.support.worker import start_worker as start_test_worker


@dataclass
class RedisServer:
    port: int
    workdir: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=(self.workdir / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: a crash, not a clean shutdown (the AOF is all that survives)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def start_redis(workdir: Path) -> RedisServer:
    workdir.mkdir(parents=True, exist_ok=True)
    return RedisServer(port=free_port(), workdir=workdir).start()


Worker = WorkerProcess

# Fast job lifecycle for tests (annotations.services.jobs.lifecycle / job_reaper): beat twice a
# second, stale after 3 s, the worker's reaper timer every second, lost messages re-sent after 10 s.
LIFECYCLE_ENV = {
    "ARBITER_JOB_HEARTBEAT_SECONDS": "0.5",
    "ARBITER_JOB_STALE_SECONDS": "3",
    "ARBITER_REAPER_SECONDS": "1",
    # a task killed between its fetch and its claim: the job waits this long (90 s in production)
    "ARBITER_JOB_QUEUED_RESEND_SECONDS": "10",
}


def start_worker(
    broker: str,
    *,
    media_root: Path,
    workdir: Path,
    visibility_timeout: int = 3,
    queues: str = "default",
    extra_env: dict[str, str] | None = None,
    ready_timeout: float = 90,
) -> Worker:
    """A solo-pool worker (the task runs in the process we may kill) on `broker`, in its own process
    group so that kill() takes the whole group down."""
    return start_test_worker(
        queues=queues,
        concurrency=None,
        pool="solo",
        broker_url=broker,
        media_root=media_root,
        workdir=workdir,
        visibility_timeout=visibility_timeout,
        name="fault",
        own_session=True,
        extra_env={**LIFECYCLE_ENV, **(extra_env or {})},
        ready_timeout=ready_timeout,
    )


def start_scoring_worker(
    broker: str, workdir: Path, *, visibility_timeout: int = 3, ready_timeout: float = 120
) -> Worker:
    """A solo-pool worker on both queues (the task runs in the process a test may kill), sharing the
    test's database, media, model directory and preprocessing cache as workers on shared storage do."""
    return start_worker(
        broker,
        media_root=settings.MEDIA_ROOT,
        workdir=workdir,
        visibility_timeout=visibility_timeout,
        queues="default,gpu",
        extra_env={
            "ARBITER_MODEL_DIR": str(settings.ARBITER_MODEL_DIR),
            "ARBITER_PREPROCESS_CACHE_DIR": str(settings.ARBITER_PREPROCESS_CACHE_DIR),
            "OMP_NUM_THREADS": "1",
        },
        ready_timeout=ready_timeout,
    )


def publish(task, *args, broker: str, visibility_timeout: int = 3, queue: str | None = "default") -> str:
    """Send `task` to `broker` (not the app's configured broker): to the default queue, or with
    `queue=None` wherever the app's task routes send it."""
    with celery_app.connection_for_write(broker) as conn:
        conn.transport_options.update({"visibility_timeout": visibility_timeout})
        result = task.apply_async(args=args, connection=conn, queue=queue)
    return result.id


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
