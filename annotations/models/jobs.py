"""Background jobs (imports, NLP, scoring, QC) with progress and a per-file error summary.

The lifecycle fields (`heartbeat_at`, `claim`, `attempts`) belong to annotations.services.jobs.lifecycle
and annotations.services.jobs.reaper: the worker running a job refreshes its heartbeat, and a job whose
heartbeat stopped is re-queued (idempotent kinds) or failed with the reason.
"""

from django.conf import settings
from django.db import models

from annotations.models.choices import JobKind, JobStatus


class Job(models.Model):
    kind = models.CharField(max_length=12, choices=JobKind.choices)
    dataset = models.ForeignKey(
        "annotations.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # {"created": n, "existing": n, "failed": n, ...}
    summary = models.JSONField(default=dict, blank=True)
    # [{"file": "relative/name", "code": "not_dicom", "message": "..."}] (capped)
    errors = models.JSONField(default=list, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the worker running the job (or, while queued, when it was last sent).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The token of the worker's claim on a running job: only that worker may beat, progress or finish it.
    claim = models.CharField(max_length=32, blank=True)
    # How many times the reaper re-queued it after its worker was lost.
    attempts = models.PositiveSmallIntegerField(default=0)
