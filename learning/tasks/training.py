"""Training runs on the `gpu` queue (routed by name: config.celery.GPU_TASKS).

Thin: `learning.services.training.runner.training_run_execute` does the work. The task takes the
run id only and is idempotent: a run that is not queued any more (finished, cancelled, or running
on another worker) is left alone, so a redelivered message (acks_late) never trains twice.
"""

from celery import shared_task

from learning.services.training.runner import training_run_execute


@shared_task(name="learning.train_model", bind=True, acks_late=True)
def train_model(self, run_id: int) -> dict:
    return training_run_execute(run_id, task_id=self.request.id or "")
