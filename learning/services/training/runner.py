"""One training run, executed on a worker: data -> fit -> evaluate -> checkpoint -> register.

Order matters for "a crashed or killed run never half-promotes": the model is trained and
evaluated first; then `model_version_from_run`, under a lock on the run row and only if the run is
still running and not cancelled, writes the weights file atomically (temp file, fsync, rename) and
creates the ModelVersion in the same transaction as the run's `succeeded`. A worker killed
anywhere before the commit leaves no version (at most an unreferenced file) and a run the reaper
fails. A new version is a *candidate*: production changes only by promotion.
"""

import contextlib
import dataclasses
import logging
from collections.abc import Iterator

import numpy as np
import torch
from django.utils import timezone

from annotations.errors import DomainError
from annotations.models.choices import ModelKind, RunStatus
from annotations.services.jobs.lifecycle import beating
from learning.bridge.inputs import model_inputs
from learning.models import TrainingRun
from learning.services.models.kinds import model_spec_for
from learning.services.registry.versions import model_version_from_run
from learning.services.training.config import RunConfig, run_config_parse
from learning.services.training.data import (
    TrainingData,
    check_enough,
    labelled_arrays,
    training_data_assemble,
)
from learning.services.training.evaluation import (
    evaluate_test_split,
    predict,
    production_comparison,
    validation_summary,
)
from learning.services.training.runs import RunMonitor, training_run_claim, training_run_finish
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import ArbiterNet, build_model
from ml.nets.train import fit
from ml.nets.weights import load_pretrained
from ml.transfer import fit_transfer

log = logging.getLogger(__name__)
SPLIT_NAMES = ("train", "validation", "test")


class RunStopped(Exception):
    """The run must end now: `reason` is "cancelled" (asked for) or "lost" (no longer running)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Cap torch's intra-op CPU threads for the run (a small shared CPU trains tiny nets faster)."""
    if not n:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _check(monitor: RunMonitor) -> None:
    if monitor.beat():
        raise RunStopped(monitor.stop_reason or "cancelled")


def _load_arrays(
    data: TrainingData, size: int, monitor: RunMonitor
) -> tuple[TrainingData, dict[str, np.ndarray]]:
    """Model inputs per split; rows whose pixels are unavailable are dropped (and counted)."""
    arrays: dict[str, np.ndarray] = {}
    rows = {}
    unreadable = 0
    for name in SPLIT_NAMES:
        part = data.split(name)
        x, ok = model_inputs(part.image_ids, size, beat=monitor.beat)
        _check(monitor)
        arrays[name] = x[ok]
        rows[name] = part.take(ok)
        unreadable += int((~ok).sum())
    counts = {name: len(r) for name, r in rows.items()}
    snapshot = {**data.snapshot, "counts": counts, "unreadable_images": unreadable}
    return dataclasses.replace(data, snapshot=snapshot, **rows), arrays


@dataclasses.dataclass(frozen=True)
class Trained:
    model: ArbiterNet
    spec: dict
    metrics: dict
    metadata: dict


def _train(run: TrainingRun, cfg: RunConfig, monitor: RunMonitor) -> Trained:
    """Everything up to a trained and evaluated model."""
    dataset = run.dataset
    monitor.phase("loading data")
    data = training_data_assemble(
        dataset=dataset,
        policy=cfg.weak_labels,
        split=cfg.split,
        as_of=timezone.now(),
        exclude_implants=cfg.exclude_implants,
    )
    spec = model_spec_for(dataset, run.kind, cfg.size)
    data, x = _load_arrays(data, spec.input_size, monitor)
    TrainingRun.objects.filter(pk=run.pk).update(data_snapshot=data.snapshot)
    check_enough(data)

    model = build_model(spec, seed=cfg.train.seed)
    if cfg.pretrained:
        load_pretrained(model, cfg.pretrained)
    monitor.phase("training", epoch=0, epochs=cfg.train.epochs, counts=data.snapshot["counts"])
    train = labelled_arrays(data.train, x["train"], data.multilabel)
    val = labelled_arrays(data.validation, x["validation"], data.multilabel)
    hooks = {"progress": monitor.epoch, "should_cancel": monitor.should_cancel, "device": cfg.device}
    if run.kind == ModelKind.OCT:
        result = fit_transfer(model, train, val, cfg.train, mode=cfg.transfer_mode, **hooks)
    else:
        result = fit(model, train, val, cfg.train, labels=spec.labels, multilabel=spec.multilabel, **hooks)
    if result.cancelled:
        raise RunStopped(monitor.stop_reason or "cancelled")
    _check(monitor)

    monitor.phase("evaluating")
    probs = predict(model, x["test"], device=cfg.device)
    seed = cfg.train.seed
    metrics = evaluate_test_split(data, probs, threshold=cfg.threshold, n_boot=cfg.n_boot, seed=seed)
    metrics["validation"] = {**validation_summary(result), "history": monitor.progress.get("history", [])}
    _check(monitor)
    metrics["comparison"] = production_comparison(
        data=data,
        dataset_id=dataset.pk,
        kind=run.kind,
        candidate_probs=probs,
        n_boot=cfg.n_boot,
        seed=seed,
        device=cfg.device,
        beat=monitor.beat,
    )
    _check(monitor)

    metadata = {
        "training_run": run.pk,
        "dataset": dataset.pk,
        "kind": run.kind,
        "config": cfg.to_dict(),
        "data": {k: data.snapshot[k] for k in ("as_of", "counts", "test_image_ids_sha256")},
    }
    return Trained(model, spec.to_dict(), metrics, metadata)


def training_run_execute(run_id: int, *, task_id: str = "") -> dict:
    """Run the training run `run_id` if it is queued (idempotent: anything else is a no-op)."""
    run = training_run_claim(run_id, task_id=task_id)
    if run is None:
        status = TrainingRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
        return {"run": run_id, "status": status, "skipped": True}
    monitor = RunMonitor(run.pk)
    # A thread beats while the run works (even inside one long call), so only a dead worker goes
    # silent; inside a transaction (an eager test) the run beats between batches instead.
    with beating(monitor.pulse, name=f"training-run-{run.pk}"):
        return _execute(run, monitor)


def _execute(run: TrainingRun, monitor: RunMonitor) -> dict:
    try:
        cfg = run_config_parse(run.config)
        with torch_threads(cfg.threads):
            trained = _train(run, cfg, monitor)
        monitor.phase("registering")
        mv = model_version_from_run(
            run_id=run.pk,
            write=lambda path: save_checkpoint(path, trained.model, metadata=trained.metadata),
            spec=trained.spec,
            metrics=trained.metrics,
        )
        if mv is None:
            cancelled = TrainingRun.objects.filter(pk=run.pk, cancel_requested=True).exists()
            raise RunStopped("cancelled" if cancelled else "lost")
        return {
            "run": run.pk,
            "status": RunStatus.SUCCEEDED.value,
            "model_version": mv.pk,
            "number": mv.number,
        }
    except RunStopped as stop:
        if stop.reason == "cancelled":
            training_run_finish(run.pk, status=RunStatus.CANCELLED)
        status = TrainingRun.objects.filter(pk=run.pk).values_list("status", flat=True).first()
        return {"run": run.pk, "status": status}
    except Exception as exc:
        if isinstance(exc, DomainError):  # bad data or config: the message says what to do
            message = str(exc)
            log.warning("training run %s failed: %s", run.pk, message)
        else:
            message = f"{type(exc).__name__}: {exc}"
            log.exception("training run %s failed", run.pk)
        training_run_finish(run.pk, status=RunStatus.FAILED, error=message)
        return {"run": run.pk, "status": RunStatus.FAILED.value, "error": message}
