"""Where the reaper runs (annotations.services.jobs.reaper does the work).

* `reap_jobs`: a Celery task for beat (production: `celery -A config beat`, every
  ARBITER_REAPER_SECONDS; see config.celery).
* `start_reaper_timer()`: a timer thread in every worker process, started when the worker is ready
  (config.celery connects it), so the embedded default, which runs no beat, reaps too, and a
  restarted worker recovers what its predecessor left at once. It runs beside the tasks, so a busy
  single worker never delays it. ARBITER_REAPER_SECONDS=0 turns the timer off.
"""

import logging

from celery import shared_task
from django.conf import settings

from annotations.services.jobs.heartbeat import Heartbeat
from annotations.services.jobs.reaper import jobs_reap

log = logging.getLogger(__name__)

_timer: Heartbeat | None = None


@shared_task(name="annotations.reap_jobs", acks_late=True)
def reap_jobs() -> dict:
    return jobs_reap()


def _tick() -> bool:
    jobs_reap()
    return True  # keep going; a failed pass is logged by Heartbeat and retried next time


def start_reaper_timer() -> Heartbeat | None:
    global _timer
    seconds = float(getattr(settings, "ARBITER_REAPER_SECONDS", 30))
    if seconds <= 0 or _timer is not None:
        return _timer
    _timer = Heartbeat(_tick, seconds, name="job-reaper").start()
    log.info("job reaper: every %.1f s in this worker", seconds)
    return _timer


def stop_reaper_timer() -> None:
    global _timer
    if _timer is not None:
        _timer.stop()
        _timer = None
