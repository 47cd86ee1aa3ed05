"""Active-learning housekeeping on the default queue (CPU and database work, no training).

* `reap_stale_training_runs()`, periodic (beat): a worker killed outright (SIGKILL, out of memory)
  cannot mark its run failed; this fails runs whose heartbeat is older than
  ARBITER_JOB_STALE_SECONDS (the job reaper, annotations.tasks.reaper, runs the same check for every job
  and from every worker). On the default queue, so a busy GPU worker never delays it.
* `refresh_ranking(job_id)`: recompute a dataset's acquisition scores and re-prioritise its queue
  (after an admin changed the acquisition weights); idempotent, as `ranking_refresh` is.
"""

from celery import shared_task

from learning.services.ranking import ranking_refresh_run
from learning.services.training.runs import training_runs_reap


@shared_task(name="learning.reap_stale_training_runs", acks_late=True)
def reap_stale_training_runs() -> int:
    return training_runs_reap()


@shared_task(name="learning.refresh_ranking", bind=True, acks_late=True)
def refresh_ranking(self, job_id: int) -> dict:
    return ranking_refresh_run(job_id, task_id=self.request.id or "")
