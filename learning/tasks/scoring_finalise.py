"""The finaliser of a scoring job (default queue: database and CPU work, no model).

Queued by the chunk that completes a scoring job (see learning.tasks.scoring_chunks). It refreshes the
acquisition ranking of the dataset for the model version (learning.services.ranking, issue 6,
when that module exists), queues the similar-case index build for the version, then marks the job
finished; the conditional update in `scoring_finish` makes the finish happen once even when the
finaliser is queued twice. The ranking refresh and the index build are idempotent.
"""

import logging

from celery import shared_task

from annotations.models import Job
from annotations.models.choices import JobStatus
from annotations.services.jobs.lifecycle import job_pulse
from learning.services.retrieval_index import retrieval_index_job_start
from learning.services.scoring.jobs import scoring_finish

log = logging.getLogger(__name__)


def _ranking_refresh():
    """learning.services.ranking.ranking_refresh, written by the active-learning work (issue 6).

    Imported lazily and only if present, so scoring works before (and without) the ranking module.
    """
    try:
        from learning.services.ranking import ranking_refresh
    except ImportError:
        return None
    return ranking_refresh


@shared_task(name="learning.score_finalise", bind=True, acks_late=True)
def score_finalise(self, model_version_id: int, job_id: int) -> dict:
    job = Job.objects.filter(pk=job_id).only("status", "dataset_id").first()
    if job is None or job.status != JobStatus.RUNNING:
        return {"status": "already finished"}
    with job_pulse(job_id):  # a long ranking refresh is not a lost worker
        return _finalise(model_version_id, job_id, job.dataset_id)


def _finalise(model_version_id: int, job_id: int, dataset_id: int) -> dict:
    extra: dict = {}
    refresh = _ranking_refresh()
    if refresh is not None:
        try:
            ranked = refresh(dataset_id=dataset_id, model_version_id=model_version_id)
            extra["ranking"] = ranked if isinstance(ranked, dict | int | float | str | None) else str(ranked)
        except Exception as exc:  # the scores are stored; a ranking failure must not lose the job
            log.exception("ranking refresh after scoring job %s failed", job_id)
            extra["ranking_error"] = f"{type(exc).__name__}: {exc}"
    retrieval_index_job_start(model_version_id)  # a Job of its own: heartbeat, cancel, reaper
    finished = scoring_finish(job_id, extra=extra)
    return {"status": "finished" if finished else "already finished"}
