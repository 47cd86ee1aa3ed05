"""The Celery app: two queues, `default` (CPU work) and `gpu` (model scoring and training).

Tasks are idempotent and acknowledged late, so a worker killed mid-task has its task redelivered
and the rerun upserts the same rows. GPU workers take one task at a time (prefetch 1).
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("arbiter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=(Queue("default"), Queue("gpu")),
    task_default_queue="default",
    task_routes={
        "mlworker.tasks.gpu.*": {"queue": "gpu"},
        "mlworker.tasks.gpu_training.*": {"queue": "gpu"},
    },
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
)
app.autodiscover_tasks(["annotations", "mlworker"])

# Periodic work (`celery -A config beat`): import what is new on every enabled PACS source.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "pacs-sync-all": {
        "task": "annotations.pacs_tasks.pacs_sync_all",
        "schedule": float(os.environ.get("ARBITER_PACS_SYNC_SECONDS", "900")),
    },
    # Rebuild similar-case indexes whose model version gained adjudicated images since the last build.
    "retrieval-index-refresh": {
        "task": "mlworker.retrieval_tasks.refresh_retrieval_indexes",
        "schedule": 3600.0,
    },
    # Fail training runs whose worker died without a word (SIGKILL, OOM): their heartbeat went stale.
    "training-runs-reap": {
        "task": "mlworker.tasks.learning.reap_stale_training_runs",
        "schedule": 300.0,
    },
}
