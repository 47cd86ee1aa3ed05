"""A background heartbeat: call `beat()` every `interval` seconds on a daemon thread until stopped.

The thread uses its own database connection (Django's are per thread) and closes it when it ends.
It beats while the task's own thread is busy in a long call (a fit, a big query), so a job's
heartbeat stops only when its worker process is gone (SIGKILL, out of memory, machine lost).
`beat()` returns False when the job must stop (cancelled, or claimed by another worker); the
thread then records that in `stopped` and ends.
"""

import logging
import threading
from collections.abc import Callable

from django.db import connection

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, beat: Callable[[], bool], interval: float, *, name: str = "heartbeat") -> None:
        self._beat = beat
        self.interval = max(0.05, float(interval))
        self.stopped = threading.Event()  # set when beat() said stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Heartbeat":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._done.wait(self.interval):
                try:
                    if not self._beat():
                        self.stopped.set()
                        return
                except Exception:  # a dropped connection: try again next time, never kill the task
                    log.warning("heartbeat write failed; retrying", exc_info=True)
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=max(5.0, 2 * self.interval))

    def __enter__(self) -> "Heartbeat":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
