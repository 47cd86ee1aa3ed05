"""Training runs: start (one active run per dataset and model kind), cancel, progress, finish, reap.

A run moves queued -> running -> succeeded | failed | cancelled (or queued -> cancelled). The
database refuses a second queued/running run of a dataset and kind (a partial unique constraint);
the API answers that with 409 `run_active`.

While it runs, the worker writes `progress` (phase, epoch, loss, validation AUROC, history) and a
heartbeat (`heartbeat_at`, at least every few seconds while batches run) through `RunMonitor`, which
also reads `cancel_requested` for `fit(should_cancel=...)`. A worker killed outright (SIGKILL, OOM,
machine loss) writes nothing more: `training_runs_reap` marks runs whose heartbeat is older than
`ARBITER_JOB_STALE_SECONDS` (default 60; a thread beats every ARBITER_JOB_HEARTBEAT_SECONDS even
inside a long call) failed, or cancelled when a cancel was asked. It runs on every start and from
the job reaper (annotations.services.jobs.reaper: a timer in every worker, and beat). A cancel of a
run whose worker is gone (no heartbeat for three beats) takes effect at once. A run that is no
longer `running` can never register a model version (the registry re-checks the status under a row
lock), so a reaped or cancelled run never half-promotes.
"""

import logging
import math
import time
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from annotations.errors import ConflictError
from annotations.models import Dataset
from annotations.models.choices import ACTIVE_RUN_STATUSES, RunStatus
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from learning.models import TrainingRun
from learning.services.models.kinds import check_trainable_kind
from learning.services.training.config import run_config_parse

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often the worker writes a heartbeat and looks for a cancel request
FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "ARBITER_JOB_STALE_SECONDS", 60)))


def gone_after() -> timedelta:
    """No heartbeat for this long (three beats) and the worker is taken for gone by a cancel."""
    return timedelta(seconds=3 * float(getattr(settings, "ARBITER_JOB_HEARTBEAT_SECONDS", 10)))


def finite(value: Any) -> Any:
    """JSON-safe number: NaN and infinities become None (PostgreSQL's jsonb refuses them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def training_runs_reap(*, older_than: timedelta | None = None, run_id: int | None = None) -> int:
    """Mark running runs (all, or `run_id`) without a heartbeat for `older_than` (default: the stale
    setting) failed, or cancelled where a cancel was asked; returns how many."""
    cutoff = timezone.now() - (older_than if older_than is not None else stale_after())
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    candidates = TrainingRun.objects.filter(stale, status=RunStatus.RUNNING).select_related("dataset")
    if run_id is not None:
        candidates = candidates.filter(pk=run_id)
    reaped = 0
    for run in candidates:
        minutes = (timezone.now() - (run.heartbeat_at or run.started_at)).total_seconds() / 60
        error = (
            f"The worker running this training stopped responding (no heartbeat for {minutes:.1f} "
            "minutes: killed, out of memory or lost). Nothing was registered; start a new run."
        )
        status = RunStatus.CANCELLED if run.cancel_requested else RunStatus.FAILED
        n = TrainingRun.objects.filter(stale, pk=run.pk, status=RunStatus.RUNNING).update(
            status=status,
            error="" if run.cancel_requested else error,
            finished_at=timezone.now(),
            progress={**run.progress, "phase": status},
        )
        if n:
            reaped += 1
            audit_record(
                actor=None,
                action="training_run.reaped",
                obj=run,
                dataset=run.dataset,
                before={"status": RunStatus.RUNNING, "heartbeat_at": str(run.heartbeat_at)},
                after={"status": status},
            )
            log.warning("training run %s reaped: no heartbeat for %.1f min", run.pk, minutes)
    return reaped


def training_run_start(*, dataset: Dataset, kind: str, config: dict | None, user, dispatch: bool = True):
    """Create a queued run (config checked and normalised) and send it to the gpu queue on commit.

    ConflictError (409, `run_active`) when the dataset already has a queued or running run of
    `kind`. With `dispatch=False` the caller sends it (`training_run_dispatch`), e.g. to a queue of
    its choice.
    """
    check_trainable_kind(dataset, kind)
    cfg = run_config_parse(config)
    training_runs_reap()
    task_id = str(uuid.uuid4())
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(
                dataset=dataset,
                kind=kind,
                config=cfg.to_dict(),
                created_by=user if getattr(user, "pk", None) else None,
                task_id=task_id,
                progress={"phase": "queued"},
            )
            audit_record(
                actor=user,
                action="training_run.start",
                obj=run,
                dataset=dataset,
                after={"kind": kind, "config": run.config},
            )
    except IntegrityError:
        active = TrainingRun.objects.filter(
            dataset=dataset, kind=kind, status__in=ACTIVE_RUN_STATUSES
        ).first()
        raise ConflictError(
            f"A {kind} training run is already {active.status if active else 'active'} on this dataset "
            f"(run {active.pk if active else '?'}); wait for it to finish or cancel it.",
            code="run_active",
            detail={"active_run": active.pk if active else None},
        ) from None
    if dispatch:
        training_run_dispatch(run)
    return run


def training_run_dispatch(run: TrainingRun, *, queue: str | None = None) -> None:
    """Send the run's task once the current transaction commits (gpu queue unless `queue`)."""
    options = {"task_id": run.task_id or None}
    if queue:
        options["queue"] = queue
    transaction.on_commit(lambda: task_send("learning.train_model", run.pk, **options))


@transaction.atomic
def training_run_cancel(*, run: TrainingRun, user) -> TrainingRun:
    """A queued run is cancelled at once; a running one stops between batches (within seconds), and
    one whose worker is gone (no heartbeat for three beats) is cancelled at once too."""
    run = TrainingRun.objects.select_for_update().select_related("dataset").get(pk=run.pk)
    before = {"status": run.status, "cancel_requested": run.cancel_requested}
    if run.status in FINISHED:
        raise ConflictError(
            f"This run already {run.status}; there is nothing to cancel.", code="run_finished"
        )
    run.cancel_requested = True
    if run.status == RunStatus.QUEUED or (
        run.status == RunStatus.RUNNING
        and (run.heartbeat_at or run.started_at) < timezone.now() - gone_after()
    ):
        run.status = RunStatus.CANCELLED
        run.finished_at = timezone.now()
        run.progress = {**run.progress, "phase": "cancelled"}
    run.save(update_fields=["cancel_requested", "status", "finished_at", "progress"])
    audit_record(
        actor=user,
        action="training_run.cancel",
        obj=run,
        dataset=run.dataset,
        before=before,
        after={"status": run.status, "cancel_requested": True},
    )
    return run


def training_run_claim(run_id: int, *, task_id: str = "") -> TrainingRun | None:
    """queued -> running for the worker that got the task; None when there is nothing to run.

    A redelivered task (its first worker died) finds the run `running`: a stale heartbeat means that
    worker is gone, so the run is failed now; a fresh one means another worker still has it.
    """
    now = timezone.now()
    fields: dict[str, Any] = {"status": RunStatus.RUNNING, "started_at": now, "heartbeat_at": now}
    if task_id:
        fields["task_id"] = task_id
    if TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, cancel_requested=False).update(
        **fields
    ):
        run = TrainingRun.objects.select_related("dataset__schema").get(pk=run_id)
        audit_record(actor=None, action="training_run.running", obj=run, dataset=run.dataset)
        return run
    run = TrainingRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    if run.status == RunStatus.QUEUED:  # cancel requested before it started
        TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.CANCELLED, finished_at=now
        )
    elif run.status == RunStatus.RUNNING:
        training_runs_reap(run_id=run_id)
    return None


def training_run_finish(run_id: int, *, status: str, error: str = "") -> bool:
    """End a running run as failed or cancelled (success goes through the registry); False when it
    was no longer running (reaped meanwhile)."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().select_related("dataset").filter(pk=run_id).first()
        if run is None or run.status != RunStatus.RUNNING:
            return False
        run.status = status
        run.error = error[:4000]
        run.finished_at = timezone.now()
        run.progress = {**run.progress, "phase": status}
        run.save(update_fields=["status", "error", "finished_at", "progress"])
        audit_record(
            actor=None,
            action=f"training_run.{status}",
            obj=run,
            dataset=run.dataset,
            after={"status": status, "error": run.error[:500]},
        )
    return True


class RunMonitor:
    """The worker's side of a running run: heartbeat, progress, and the cancel flag (see module)."""

    def __init__(self, run_id: int, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.run_id = run_id
        self.poll_seconds = poll_seconds
        self.progress: dict[str, Any] = {"phase": "starting", "history": []}
        self.stop_reason: str | None = None  # "cancelled" or "lost" (no longer running)
        self._last = 0.0

    def _write(self, **fields: Any) -> None:
        n = TrainingRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
            heartbeat_at=timezone.now(), **fields
        )
        if not n:
            self.stop_reason = self.stop_reason or "lost"
            return
        if TrainingRun.objects.filter(pk=self.run_id, cancel_requested=True).exists():
            self.stop_reason = self.stop_reason or "cancelled"
        self._last = time.monotonic()

    def pulse(self) -> bool:
        """The heartbeat thread's beat (annotations.services.jobs.heartbeat): False once the run must stop."""
        self._write()
        return self.stop_reason is None

    def beat(self) -> bool:
        """Heartbeat (throttled); True when the run should stop."""
        if time.monotonic() - self._last >= self.poll_seconds:
            self._write()
        return self.stop_reason is not None

    def should_cancel(self) -> bool:
        return self.beat()

    def phase(self, name: str, **extra: Any) -> None:
        self.progress.update(phase=name, **extra)
        self._write(progress=self.progress)

    def epoch(self, p) -> None:
        """`fit`'s progress callback: one entry per epoch (loss, validation AUROC / accuracy)."""
        entry = {
            "epoch": p.epoch,
            "train_loss": finite(float(p.train_loss)),
            "val_loss": finite(float(p.val_loss)),
            "val_auroc": finite(float(p.val_auroc)),
            "val_accuracy": None if p.val_accuracy is None else finite(float(p.val_accuracy)),
            "lr": float(p.lr),
            "improved": bool(p.improved),
            "seconds": round(float(p.seconds), 3),
        }
        self.progress["history"].append(entry)
        self.progress.update(
            phase="training",
            epoch=p.epoch,
            epochs=p.epochs,
            loss=entry["train_loss"],
            val_loss=entry["val_loss"],
            metric=entry["val_auroc"],
            metric_name="validation macro AUROC",
        )
        self._write(progress=self.progress)
