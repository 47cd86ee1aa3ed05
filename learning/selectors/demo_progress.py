"""What the demo is still waiting for after `demo_setup`: its queued jobs (NLP, QC, scoring, ...) and
the first models it asked the worker to train, as lines a terminal can show, and whether it is ready."""

from __future__ import annotations

from dataclasses import dataclass

from annotations.models import Dataset, Job
from annotations.models.choices import FINISHED_JOB_STATUSES, JobStatus
from learning.models import ModelVersion
from learning.services.models.kinds import FINDING_KINDS


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # 'waiting' | 'running' | 'done' | 'failed'
    done: int = 0
    total: int = 0

    def line(self) -> str:
        share = f" {self.done}/{self.total}" if self.total else ""
        return f"{self.label}: {self.state}{share}"


def demo_steps() -> list[Step]:
    """One step per job of the demo's datasets, plus the first model each one expects."""
    from learning.services.demo import expects_first_model

    steps: list[Step] = []
    for job in Job.objects.select_related("dataset").order_by("id"):
        where = job.dataset.slug if job.dataset else "-"
        state = {
            JobStatus.QUEUED: "waiting",
            JobStatus.RUNNING: "running",
            JobStatus.SUCCEEDED: "done",
        }.get(job.status, "failed")
        steps.append(Step(f"{where} {job.get_kind_display()} (job {job.pk})", state, job.done, job.total))
    for dataset in Dataset.objects.order_by("id"):
        if not expects_first_model(dataset):
            continue
        trained = ModelVersion.objects.filter(dataset=dataset, kind__in=FINDING_KINDS).exists()
        steps.append(Step(f"{dataset.slug} first model", "done" if trained else "running"))
    return steps


def demo_ready(steps: list[Step]) -> bool:
    return all(s.state in ("done", "failed") for s in steps)


def unfinished_jobs() -> int:
    return Job.objects.exclude(status__in=FINISHED_JOB_STATUSES).count()
