"""Learning plugs into the domain here (annotations.hooks), once, when Django starts.

The domain owns jobs and the reaper but not the work of NLP, QC, ranking, index and scoring jobs:
it re-sends them, recovers a stale scoring job and asks whether a running one can still be
cancelled through the functions registered below, and runs learning's reaper passes.
"""

from __future__ import annotations

from datetime import timedelta

from annotations import hooks
from annotations.models import Job
from annotations.models.choices import JobKind


def _send_nlp(job: Job) -> bool:
    from learning.tasks.nlp import label_dataset_reports

    label_dataset_reports.delay(job.pk)
    return True


def _send_qc(job: Job) -> bool:
    from learning.tasks.qc import run_qc

    run_qc.delay(job.dataset_id, job.pk)
    return True


def _send_ranking(job: Job) -> bool:
    from learning.tasks.ranking import refresh_ranking

    refresh_ranking.delay(job.pk)
    return True


def _send_index(job: Job) -> bool:
    from learning.tasks.retrieval import build_retrieval_index

    if not job.params.get("model_version"):
        return False
    build_retrieval_index.delay(job.params["model_version"], job.pk)
    return True


def _send_scoring(job: Job) -> bool:
    from learning.tasks.scoring_chunks import score_dataset

    if not job.params.get("model_version"):
        return False
    score_dataset.delay(job.params["model_version"], job.pk)
    return True


def _recover_scoring(job, cutoff, now, counts) -> None:
    from learning.services.scoring.recovery import scoring_recover

    scoring_recover(job, cutoff, now, counts)


def _scoring_cancel_blocker(job: Job) -> str | None:
    from learning.services.scoring.jobs import scoring_finishing

    if scoring_finishing(job):
        return (
            f"Every image of job #{job.pk} is scored and it is finishing (re-ranking); "
            "it can no longer be cancelled."
        )
    return None


def _reap_training_runs(now) -> int:
    from annotations.services.jobs.lifecycle import stale_seconds
    from learning.services.training.runs import training_runs_reap

    return training_runs_reap(older_than=timedelta(seconds=stale_seconds()))


def _reap_dead_chunks(now) -> int:
    from learning.services.scoring.recovery import scoring_dead_chunks_reap

    return scoring_dead_chunks_reap(now)


def register() -> None:
    from learning.services.priorities import priority_scores, random_scores_fill

    hooks.register_priority_source(
        hooks.PrioritySource(scores=priority_scores, fill_random=random_scores_fill)
    )
    hooks.register_job_kind(JobKind.NLP, send=_send_nlp)
    hooks.register_job_kind(JobKind.QC, send=_send_qc)
    hooks.register_job_kind(JobKind.RANKING, send=_send_ranking)
    hooks.register_job_kind(JobKind.INDEX, send=_send_index)
    hooks.register_job_kind(
        JobKind.SCORING,
        send=_send_scoring,
        recover=_recover_scoring,
        cancel_blocker=_scoring_cancel_blocker,
    )
    hooks.register_reap_pass("training", _reap_training_runs)
    hooks.register_reap_pass("requeued", _reap_dead_chunks)
