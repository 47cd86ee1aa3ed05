"""The model registry: registering a trained version, promoting it to production, rolling back.

* `model_version_from_run` is the only way a training run makes a ModelVersion. The model is
  already trained and evaluated; under a lock on the run row it checks the run is still `running`
  and not cancelled, then writes the weights file (atomically, through
  `model_store.model_version_register`), creates the version (a candidate) and marks the run
  succeeded, all in one transaction. A reaped or cancelled run writes and registers nothing.
* `model_promote`: the database allows one production version per dataset and kind; the old one
  is retired first, then the new one promoted, in one transaction. The promoted version remembers
  the one it replaced (`previous_production`), which is what `model_rollback` restores. After the
  commit, promotion re-scores the dataset with the new version (`learning.services.scoring.jobs`;
  its finaliser re-ranks the worklist through `ranking_refresh` and builds the version's
  similar-case index) and deletes the retired version's index.

Every change is audited.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations.errors import ConflictError, DomainError
from annotations.models import Dataset, Job
from annotations.models.choices import ModelStatus, RunStatus
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from learning.models import ModelVersion, TrainingRun
from learning.services.models.weights import model_version_register, model_weights_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promotion:
    """What a promotion or roll-back did: the new production version, the one it retired, and the
    re-scoring job (None when the scoring service is not available)."""

    model_version: ModelVersion
    retired: ModelVersion | None
    scoring_job: Job | None


def model_version_from_run(
    *, run_id: int, write: Callable[[Path], None], spec: dict, metrics: dict
) -> ModelVersion | None:
    """Write the run's weights with `write(path)` and register them as the next candidate version,
    marking the run succeeded, atomically; None (nothing written or created) when the run is no
    longer running or a cancel was requested."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().select_related("dataset").get(pk=run_id)
        if run.status != RunStatus.RUNNING or run.cancel_requested:
            return None
        mv = model_version_register(
            dataset=run.dataset, kind=run.kind, write=write, spec=spec, metrics=metrics, training_run=run
        )
        run.status = RunStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.progress = {**run.progress, "phase": "succeeded", "model_version": mv.pk}
        run.save(update_fields=["status", "finished_at", "progress"])
        audit_record(
            actor=None,
            action="model_version.register",
            obj=mv,
            dataset=run.dataset,
            after={"run": run.pk, "number": mv.number, "kind": mv.kind, "sha256": mv.weights_sha256},
        )
    return mv


def _version_summary(mv: ModelVersion | None) -> dict[str, Any] | None:
    return None if mv is None else {"id": mv.pk, "number": mv.number, "status": mv.status}


def _rescore(model_version: ModelVersion, user) -> Job | None:
    """Start re-scoring with the new production version (its task then re-ranks the worklist)."""
    try:
        from learning.services.scoring.jobs import scoring_start
    except ImportError:  # the scoring service is another module's; the registry works without it
        log.warning("learning.services.scoring.jobs is not installed: promotion did not re-score")
        return None
    try:
        return scoring_start(model_version=model_version, user=user)
    except DomainError as exc:
        log.warning("re-scoring after promotion of model version %s refused: %s", model_version.pk, exc)
        return None


def _drop_retired_index(retired: ModelVersion | None) -> None:
    """The retired version's similar-case index is deleted (the build task does that for a retired
    version); the new production version's index is built by the scoring finaliser."""
    if retired is not None:
        task_send("learning.build_retrieval_index", retired.pk)


def _switch(*, new: ModelVersion, old: ModelVersion | None, remember_old: bool) -> None:
    now = timezone.now()
    if old is not None:
        old.status = ModelStatus.RETIRED
        old.retired_at = now
        old.save(update_fields=["status", "retired_at"])
    new.status = ModelStatus.PRODUCTION
    new.promoted_at = now
    new.retired_at = None
    fields = ["status", "promoted_at", "retired_at"]
    if remember_old:
        new.previous_production = old
        fields.append("previous_production")
    new.save(update_fields=fields)


def _after_switch(new: ModelVersion, old: ModelVersion | None, user) -> Job | None:
    job = _rescore(new, user)
    transaction.on_commit(lambda: _drop_retired_index(old))
    return job


def model_promote(*, model_version: ModelVersion, user) -> Promotion:
    """Make `model_version` its dataset's production model of its kind (see the module docstring)."""
    with transaction.atomic():
        mv = ModelVersion.objects.select_for_update().select_related("dataset").get(pk=model_version.pk)
        if mv.status == ModelStatus.PRODUCTION:
            raise ConflictError(f"{mv.version_tag} is already in production.", code="already_production")
        path = model_weights_path(mv)
        if not path.is_file():
            raise ConflictError(
                f"The weights file of {mv.version_tag} is missing from the model store; it cannot serve.",
                code="weights_missing",
            )
        old = (
            ModelVersion.objects.select_for_update()
            .filter(dataset=mv.dataset, kind=mv.kind, status=ModelStatus.PRODUCTION)
            .first()
        )
        _switch(new=mv, old=old, remember_old=True)
        audit_record(
            actor=user,
            action="model.promote",
            obj=mv,
            dataset=mv.dataset,
            before={"production": _version_summary(old)},
            after={"production": _version_summary(mv), "retired": _version_summary(old)},
        )
    return Promotion(mv, old, _after_switch(mv, old, user))


def model_rollback(*, dataset: Dataset, kind: str, user) -> Promotion:
    """Re-promote the version the current production one replaced; the current one is retired."""
    with transaction.atomic():
        current = (
            ModelVersion.objects.select_for_update()
            .select_related("dataset")
            .filter(dataset=dataset, kind=kind, status=ModelStatus.PRODUCTION)
            .first()
        )
        if current is None:
            raise ConflictError(f"There is no production {kind} model to roll back.", code="no_production")
        if current.previous_production_id is None:
            raise ConflictError(
                f"{current.version_tag} did not replace an earlier production version; nothing to roll "
                "back to.",
                code="nothing_to_roll_back",
            )
        previous = ModelVersion.objects.select_for_update().get(pk=current.previous_production_id)
        if not model_weights_path(previous).is_file():
            raise ConflictError(
                f"The weights file of {previous.version_tag} is missing; it cannot be restored.",
                code="weights_missing",
            )
        # The restored version keeps its own previous_production: rolling back again goes further back.
        _switch(new=previous, old=current, remember_old=False)
        audit_record(
            actor=user,
            action="model.rollback",
            obj=previous,
            dataset=dataset,
            before={"production": _version_summary(current)},
            after={"production": _version_summary(previous), "retired": _version_summary(current)},
        )
    return Promotion(previous, current, _after_switch(previous, current, user))
