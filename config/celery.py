"""The Celery app: two queues, `default` (CPU work) and `gpu` (model scoring and training).

Every task has an explicit name (`annotations.<task>`, `learning.<task>`) and is routed by that name
(GPU_TASKS below), so neither depends on the file it lives in.

Tasks are idempotent and acknowledged late, so a worker killed mid-task has its task redelivered
and the rerun upserts the same rows. GPU workers take one task at a time (prefetch 1).

No job depends on the broker alone to come back from a dead worker: the filesystem transport of the
embedded default deletes a message when it is fetched (it cannot redeliver), and Redis redelivers
only after its visibility timeout. Every job beats while it runs and the job reaper
(annotations.services.jobs.reaper) re-queues or fails one whose heartbeat stopped; it runs as a timer
thread in every worker (started below when the worker is ready) and from beat.
"""

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Tasks that need a GPU (CPU fallback), routed by their names: a task's queue never depends on the
# file it lives in.
GPU_TASKS = ("learning.score_dataset", "learning.score_chunk", "learning.train_model")

app = Celery("arbiter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=(Queue("default"), Queue("gpu")),
    task_default_queue="default",
    task_routes={name: {"queue": "gpu"} for name in GPU_TASKS},
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
)
app.autodiscover_tasks(["annotations", "learning"])

# Periodic work (`celery -A config beat`): import what is new on every enabled PACS source.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "pacs-sync-all": {
        "task": "annotations.pacs_sync_all",
        "schedule": float(os.environ.get("ARBITER_PACS_SYNC_SECONDS", "900")),
    },
    # Rebuild similar-case indexes whose model version gained adjudicated images since the last build.
    "retrieval-index-refresh": {
        "task": "learning.refresh_retrieval_indexes",
        "schedule": 3600.0,
    },
    # Re-queue or fail jobs and training runs whose worker died without a word (SIGKILL, OOM): their
    # heartbeat went stale. Every worker also runs this on its own timer (below).
    "jobs-reap": {
        "task": "annotations.reap_jobs",
        "schedule": float(os.environ.get("ARBITER_REAPER_SECONDS", "30") or 30) or 30.0,
    },
}


@worker_ready.connect
def _start_job_reaper(**_kwargs) -> None:
    from annotations.tasks.reaper import start_reaper_timer

    start_reaper_timer()


@worker_shutting_down.connect
def _stop_job_reaper(**_kwargs) -> None:
    from annotations.tasks.reaper import stop_reaper_timer

    stop_reaper_timer()
