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
The result is registered as the dataset's next ModelVersion of that kind, production when the
dataset has none.

It is the training-run pipeline with other data choices, not a second pipeline: the model kind and
spec come from learning.services.models.kinds, labels become matrices in learning.bridge.labels,
targets are the run's (`multilabel_rows` / `single_choice_rows`), pixels come through the same
preprocessing cache (`learning.bridge.inputs.model_inputs`), and the test part is evaluated by the
run's `evaluate_test_split`. What differs: labels from NLP / readers instead of adjudication only,
and a throw-away split instead of the stored patient splits. Real training runs (issue 6) use the
training-run machinery; this is only the bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from annotations.models import Dataset, Image, QCFlag
from annotations.models.choices import LabelSource
from learning.bridge.inputs import model_inputs
from learning.bridge.labels import final_label_matrix, stored_label_matrix
from learning.models import ModelVersion
from learning.services.models.kinds import dataset_model, model_spec_for
from learning.services.models.weights import model_version_register, production_model
from learning.services.training.data import (
    DOUBTFUL_QC,
    SplitRows,
    TrainingData,
    TrainingDataError,
    labelled_arrays,
    multilabel_rows,
    single_choice_rows,
)
from learning.services.training.evaluation import evaluate_test_split, predict
from ml.evaluation import EvaluationError
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import build_model
from ml.nets.train import EpochProgress, TrainConfig, fit
from ml.splits import TEST, TRAIN, VALIDATION, SplitConfig, split_items
from ml.weak_labels import WeakLabelPolicy

MIN_IMAGES = 10
SPLIT_TRIES = 16  # patient-level splits tried for the test part with both classes for most findings
FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}
THRESHOLD = 0.5
N_BOOT = 200
# NLP labels fill what adjudication has not decided: uncertain masked, unmentioned negative.
POLICY = WeakLabelPolicy(uncertainty="ignore", blank="negative")
TEST_LABELS = "the labels it learned from (imported / NLP; no adjudicated test split yet)"


class BootstrapError(TrainingDataError):
    """Not enough usable, labelled images or patients for a first model."""


@dataclass(frozen=True)
class Bootstrapped:
    model_version: ModelVersion
    metrics: dict


def _usable_images(dataset: Dataset) -> tuple[np.ndarray, dict[int, str]]:
    """(image ids in id order, {image id: patient pseudo id}) of images without an open or confirmed
    QC flag."""
    doubtful = QCFlag.objects.filter(image__dataset=dataset, status__in=DOUBTFUL_QC).values("image_id")
    rows = list(
        Image.objects.filter(dataset=dataset)
        .exclude(pk__in=doubtful)
        .order_by("pk")
        .values_list("pk", "study__patient__pseudo_id")
    )
    return np.asarray([r[0] for r in rows], dtype=np.int64), dict(rows)


def _rows(dataset: Dataset, ids: np.ndarray, labels: tuple[str, ...], multilabel: bool) -> SplitRows:
    """The images' training rows: adjudicated + NLP (multi-label), or the latest imported / read /
    adjudicated class (single choice)."""
    index = {int(pk): i for i, pk in enumerate(ids)}
    keep_all = np.zeros(len(ids), dtype=bool)  # flagged images are already left out
    if multilabel:
        adjudicated, _ = final_label_matrix(dataset, index, labels)
        nlp = stored_label_matrix(dataset, index, labels, sources=(LabelSource.NLP,))
        return multilabel_rows(ids, adjudicated, nlp, POLICY, keep_all)
    sources = (LabelSource.READER, LabelSource.ADJUDICATED)
    classes = stored_label_matrix(dataset, index, labels, sources=sources)
    return single_choice_rows(ids, classes, None, len(labels), POLICY, keep_all)


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
    model_of = dataset_model(dataset)
    kind, labels, multilabel = model_of.kind, model_of.labels, model_of.multilabel
    spec = model_spec_for(dataset, kind, size)
    ids, patient_of = _usable_images(dataset)
    if len(ids) < MIN_IMAGES:
        raise BootstrapError(f"dataset {dataset.slug!r} has {len(ids)} usable images; {MIN_IMAGES} needed")
    rows = _rows(dataset, ids, labels, multilabel)
    if len(rows) < MIN_IMAGES:
        raise BootstrapError(
            f"only {len(rows)} images of {dataset.slug!r} have labels to learn from; import reports and run "
            "NLP labelling (or import labels) first"
        )
    x, ok = model_inputs(rows.image_ids, spec.input_size)
    rows, x = rows.take(ok), x[ok]
    tr, va, te = _best_split(dataset.slug, rows, [patient_of[int(i)] for i in rows.image_ids], multilabel)
    data = TrainingData(labels, multilabel, rows.take(tr), rows.take(va), rows.take(te))

    def report(p: EpochProgress) -> None:
        if log:
            log(f"epoch {p.epoch}/{p.epochs}: train loss {p.train_loss:.3f}, val AUROC {p.val_auroc:.3f}")

    model = build_model(spec, seed=seed)
    config = TrainConfig(epochs=epochs, batch_size=16, early_stopping_patience=3, seed=seed)
    result = fit(
        model,
        labelled_arrays(data.train, x[tr], multilabel),
        labelled_arrays(data.validation, x[va], multilabel),
        config,
        labels=labels,
        multilabel=multilabel,
        progress=report,
        device=device,
    )
    model = model.cpu().eval()
    try:
        evaluation = evaluate_test_split(
            data, predict(model, x[te], device="cpu"), threshold=THRESHOLD, n_boot=N_BOOT, seed=seed
        )
        evaluation["test_labels"] = TEST_LABELS
    except EvaluationError as exc:
        evaluation = {"test_error": str(exc)}
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


def _classes_in(rows: SplitRows, multilabel: bool) -> int:
    """Findings with both classes among known labels (multi-label), or classes present (single)."""
    if len(rows) == 0:
        return 0
    if not multilabel:
        return len(np.unique(rows.y))
    known = rows.weights > 0
    pos = ((rows.y == 1) & known).any(axis=0)
    neg = ((rows.y == 0) & known).any(axis=0)
    return int((pos & neg).sum())


def _best_split(slug: str, rows: SplitRows, patients: list[str], multilabel: bool):
    """(train, validation, test) indices of the patient-level split whose test part has both classes
    for the most findings (then the lowest salt number): deterministic for a dataset."""
    ids = [int(i) for i in rows.image_ids]
    best = None
    for k in range(SPLIT_TRIES):
        split = split_items(ids, patients, SplitConfig(salt=f"arbiter-bootstrap:{slug}:{k}", **FRACTIONS))
        tr, va, te = split.indices(TRAIN), split.indices(VALIDATION), split.indices(TEST)
        if len(tr) < 2 or len(va) < 1 or len(te) < 1:
            continue
        got = _classes_in(rows.take(te), multilabel)
        if best is None or got > best[0]:
            best = (got, tr, va, te)
    if best is None:
        raise BootstrapError("the dataset has too few patients for a train / validation / test split")
    return best[1], best[2], best[3]
