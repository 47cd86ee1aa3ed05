"""A first model for a dataset without downloads: a tiny network trained on the labels it already has.

For the demo and the tests, before any adjudication exists: a multi-label dataset (ChestX-ray14 ...)
trains a CheXNet-style network on its NLP / imported report labels (adjudicated labels win where
present; uncertain masked, unmentioned read as negative, as the CheXpert baselines did); a
single-choice dataset (Kermany OCT) trains the OCT classifier on its imported or adjudicated class.
Images with open or confirmed QC flags are left out. Patient-level split, 60 % train / 20 %
validation (early stopping) / 20 % test, CPU-sized by default. The test part is evaluated in the
layout of a training run's metrics (per-finding AUROC with ROC curves, macro AUROC; per class and
urgent referral for OCT) against the same labels it learned from, so the console shows a first
model's curves on first visit; of a few patient-level splits, the one whose test part has both classes
for the most findings is used (no adjudicated test split exists yet; a training run's is adjudicated).
The result is registered as the dataset's next
ModelVersion of that kind, production when the dataset has none. Real training runs (issue 6) use
the training-run machinery; this is only the bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from annotations.errors import InvalidInputError
from annotations.models import Dataset, Image, Label, QCFlag
from annotations.models.choices import LabelSource, LabelValue, ModelKind, QCStatus, SchemaKind
from learning.bridge.images import cached_arrays
from learning.models import ModelVersion
from learning.services.models.weights import model_version_register, production_model
from ml.evaluation import EvaluationError, evaluate_multilabel, evaluate_single_choice
from ml.evaluation._json import jsonable
from ml.inference.engine import score
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec, oct_spec
from ml.nets.train import EpochProgress, LabelledArrays, TrainConfig, fit
from ml.splits import TEST, TRAIN, VALIDATION, SplitConfig, split_items
from ml.weak_labels import WeakLabelPolicy, build_targets

CODES = {LabelValue.POSITIVE: 1.0, LabelValue.NEGATIVE: 0.0, LabelValue.UNCERTAIN: -1.0}
MIN_IMAGES = 10
SPLIT_TRIES = 16  # patient-level splits tried for the test part with both classes for most findings
FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}


class BootstrapError(InvalidInputError):
    code = "not_enough_data"


@dataclass(frozen=True)
class Bootstrapped:
    model_version: ModelVersion
    metrics: dict


def _labels_of(dataset: Dataset) -> tuple[str, ...]:
    return tuple(
        dataset.schema.findings.filter(is_derived=False).order_by("order", "id").values_list("key", flat=True)
    )


def _usable_images(dataset: Dataset) -> list[Image]:
    doubtful = QCFlag.objects.filter(
        image__dataset=dataset, status__in=[QCStatus.OPEN, QCStatus.CONFIRMED]
    ).values("image_id")
    return list(
        Image.objects.filter(dataset=dataset)
        .exclude(pk__in=doubtful)
        .select_related("study__patient")
        .order_by("pk")
    )


def _matrix(images: list[Image], labels: tuple[str, ...], sources: tuple[str, ...]) -> np.ndarray:
    """[N, C] codes (1 / 0 / -1, NaN blank) from the latest label per image and finding."""
    index = {image.pk: i for i, image in enumerate(images)}
    column = {k: j for j, k in enumerate(labels)}
    out = np.full((len(images), len(labels)), np.nan)
    rows = (
        Label.objects.filter(image__dataset=images[0].dataset_id, source__in=sources, finding__key__in=labels)
        .order_by("created_at", "id")
        .values_list("image_id", "finding__key", "value")
    )
    for image_id, key, value in rows.iterator(chunk_size=5000):
        i = index.get(image_id)
        if i is not None:
            out[i, column[key]] = CODES.get(value, np.nan)
    return out


def _targets(dataset: Dataset, images: list[Image], labels: tuple[str, ...], multilabel: bool):
    if multilabel:
        adjudicated = _matrix(images, labels, (LabelSource.ADJUDICATED,))
        weak = _matrix(images, labels, (LabelSource.NLP,))
        t = build_targets(adjudicated, weak, WeakLabelPolicy(uncertainty="ignore", blank="negative"))
        rows = t.rows_with_labels()
        return rows, t.targets[rows], t.weights[rows]
    codes = _matrix(images, labels, (LabelSource.READER, LabelSource.ADJUDICATED))
    positive = codes == 1.0
    rows = np.flatnonzero(positive.sum(axis=1) == 1)
    return rows, positive[rows].argmax(axis=1).astype(np.int64), None


def train_initial_model(
    dataset: Dataset,
    *,
    size: str = "tiny",
    epochs: int = 6,
    seed: int = 0,
    device: str = "auto",
    log: Callable[[str], None] | None = None,
) -> Bootstrapped:
    """Train and register the dataset's first finding model (see the module docstring)."""
    multilabel = dataset.schema.kind == SchemaKind.MULTI_LABEL
    kind = ModelKind.CHEXNET if multilabel else ModelKind.OCT
    labels = _labels_of(dataset)
    spec = (chexnet_spec if multilabel else oct_spec)(size, labels=labels)
    images = _usable_images(dataset)
    if len(images) < MIN_IMAGES:
        raise BootstrapError(f"dataset {dataset.slug!r} has {len(images)} usable images; {MIN_IMAGES} needed")
    rows, y, mask = _targets(dataset, images, labels, multilabel)
    if len(rows) < MIN_IMAGES:
        raise BootstrapError(
            f"only {len(rows)} images of {dataset.slug!r} have labels to learn from; import reports and run "
            "NLP labelling (or import labels) first"
        )
    images = [images[i] for i in rows]
    ok_images, x, _failed = cached_arrays(images, size=spec.input_size)
    keep = np.isin([i.pk for i in images], [i.pk for i in ok_images])
    y = y[keep]
    mask = mask[keep] if mask is not None else None
    tr, va, te = _best_split(dataset.slug, ok_images, y, mask, multilabel)
    if len(tr) < 2 or len(va) < 1:
        raise BootstrapError(f"dataset {dataset.slug!r} has too few patients for a train / validation split")

    def part(idx: np.ndarray) -> LabelledArrays:
        return LabelledArrays(x[idx], y[idx], mask[idx] if mask is not None else None)

    def report(p: EpochProgress) -> None:
        if log:
            log(f"epoch {p.epoch}/{p.epochs}: train loss {p.train_loss:.3f}, val AUROC {p.val_auroc:.3f}")

    model = build_model(spec, seed=seed)
    config = TrainConfig(epochs=epochs, batch_size=16, early_stopping_patience=3, seed=seed)
    result = fit(
        model,
        part(tr),
        part(va),
        config,
        labels=labels,
        multilabel=multilabel,
        progress=report,
        device=device,
    )
    model = model.cpu().eval()
    evaluation = _evaluate(model, x[te], y[te], mask[te] if mask is not None else None, labels, multilabel)
    metrics = {
        **evaluation,
        "val_auroc": result.best_auroc,
        "val_accuracy": result.best_accuracy,
        "per_label_auroc": result.per_label_auroc,
        "best_epoch": result.best_epoch,
        "n_train": len(tr),
        "n_val": len(va),
        "n_test": len(te),
        "bootstrap": True,
        "labels_from": "nlp+adjudicated" if multilabel else "imported+adjudicated classes",
    }
    mv = model_version_register(
        dataset=dataset,
        kind=kind,
        write=lambda path: save_checkpoint(path, model, {"bootstrap": True, "dataset": dataset.slug}),
        spec=spec.to_dict(),
        metrics=metrics,
        production=production_model(dataset, (kind,)) is None,
    )
    return Bootstrapped(model_version=mv, metrics=metrics)


def _classes_in(y: np.ndarray, mask: np.ndarray | None, multilabel: bool) -> int:
    """Findings with both classes among known labels (multi-label), or classes present (single)."""
    if len(y) == 0:
        return 0
    if not multilabel:
        return len(np.unique(y))
    known = mask > 0 if mask is not None else np.ones_like(y, dtype=bool)
    pos = ((y == 1) & known).any(axis=0)
    neg = ((y == 0) & known).any(axis=0)
    return int((pos & neg).sum())


def _best_split(slug: str, images: list[Image], y: np.ndarray, mask: np.ndarray | None, multilabel: bool):
    """(train, validation, test) indices of the patient-level split whose test part has both classes
    for the most findings (then the lowest salt number): deterministic for a dataset."""
    ids = [i.pk for i in images]
    patients = [i.study.patient.pseudo_id for i in images]
    best = None
    for k in range(SPLIT_TRIES):
        split = split_items(ids, patients, SplitConfig(salt=f"arbiter-bootstrap:{slug}:{k}", **FRACTIONS))
        tr, va, te = split.indices(TRAIN), split.indices(VALIDATION), split.indices(TEST)
        if len(tr) < 2 or len(va) < 1 or len(te) < 1:
            continue
        got = _classes_in(y[te], mask[te] if mask is not None else None, multilabel)
        if best is None or got > best[0]:
            best = (got, tr, va, te)
    if best is None:
        raise BootstrapError("the dataset has too few patients for a train / validation / test split")
    return best[1], best[2], best[3]


def _evaluate(model, x: np.ndarray, y: np.ndarray, mask, labels: tuple[str, ...], multilabel: bool) -> dict:
    """The test part's metrics in a training run's layout ({task, labels, summary, test})."""
    probs = score(model, x, batch_size=64, device="cpu", precision="fp32", workers=1).probs.astype(np.float64)
    try:
        if multilabel:
            report = evaluate_multilabel(
                y, probs, labels, mask=mask > 0 if mask is not None else None, n_boot=200
            )
            summary = {"macro_auroc": report.macro_auroc}
        else:
            report = evaluate_single_choice(y, probs, labels, n_boot=200)
            summary = {"macro_auroc": report.macro_auroc, "accuracy": report.accuracy}
    except EvaluationError as exc:
        return {"test_error": str(exc)}
    summary.update(n_test=len(y), threshold=0.5)
    return {
        "task": "multi_label" if multilabel else "single_choice",
        "labels": list(labels),
        "summary": jsonable(summary),
        "test": report.to_dict(),
        "test_labels": "the labels it learned from (imported / NLP; no adjudicated test split yet)",
    }
