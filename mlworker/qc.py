"""Bad-image detection for a dataset: rules, self-supervised detectors, the view classifier.

One QC run, in order:

1. **Rules, no model.** Pediatric: the study's PatientAge (else the patient's age) under the
   dataset's `pediatric_age_years`. Metadata (chest datasets): a lateral / oblique ViewPosition
   flags `non_frontal`, a BodyPartExamined other than chest flags `wrong_body_part`.
2. **Rotation and inversion detectors** (chest datasets), trained self-supervised from the
   dataset's own images (a sample of at most `train_max`, leaving out images with an open or
   confirmed rotation / inversion flag) plus the reviewed flags of earlier runs, registered as
   ModelVersions of kind rotation / inversion (production) under ARBITER_MODEL_DIR. A later run
   loads the production detector, and retrains only when asked or when people have reviewed flags
   since it was trained (confirmed and rejected flags are its training data next time).
3. **View / body-part classifier**, trained once enough reviewed examples exist: confirmed
   `non_frontal` flags are lateral films, confirmed `wrong_body_part` flags other body parts,
   rejected ones frontal films, topped up with unflagged images whose metadata says PA / AP.
4. Every raised flag is stored (`qc_flags_store`, source version = detector version or rule name)
   and the images' work items are held from reading (`qc_hold_sync`).

Detection runs on the images as displayed (corrections from resolved flags applied), through the
preprocessing cache, so a rerun decodes nothing. Idempotent: a rerun with the same detectors adds
no flag and reopens none.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Max

from annotations.models import Dataset, Image, ModelVersion, QCFlag
from annotations.models.choices import Modality, ModelKind, QCKind, QCStatus
from annotations.services.model_store import model_checkpoint, model_version_register, production_model
from annotations.services.qc_flags import qc_flags_store
from annotations.services.qc_review import qc_hold_sync
from mlworker.bridge import cached_arrays
from mlworker.ml.detectors.detector import DETECTOR_CLASSES, ImageDetector
from mlworker.ml.detectors.flags import NON_FRONTAL, WRONG_BODY_PART
from mlworker.ml.detectors.flags import QCFlag as RaisedFlag
from mlworker.ml.detectors.pediatric import pediatric_flag
from mlworker.ml.detectors.training import (
    LabelledExamples,
    train_self_supervised,
    train_view_classifier,
)
from mlworker.ml.nets.errors import InputError
from mlworker.ml.nets.spec import size_config
from mlworker.ml.nets.train import TrainConfig

log = logging.getLogger(__name__)

METADATA_RULES = "rule-metadata-v1"
LATERAL_VIEWS = frozenset(
    {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD", "LAO", "RAO", "LPO", "RPO", "LLO", "RLO"}
)
FRONTAL_VIEWS = frozenset({"PA", "AP"})
CHEST_PARTS = frozenset({"CHEST", "THORAX", "LUNG"})
DETECT_CHUNK = 4096
MIN_TRAIN_IMAGES = 20
DEFAULT_TRAIN_MAX = 4000
DEFAULT_VIEW_MIN = 8
TARGET_SAMPLES = 2400
# Detectors trained on a few hundred images are confident on truly turned / inverted films and
# unsure on some upright ones: flagging from 0.8 keeps the QC queue (and held images) to real cases.
DEFAULT_THRESHOLD = 0.8
MIN_EPOCHS, MAX_EPOCHS = 8, 30
SIZE = "tiny"


@dataclass(frozen=True)
class QCOptions:
    retrain: bool = False
    epochs: int | None = None
    train_max: int = DEFAULT_TRAIN_MAX
    view_min_per_class: int = DEFAULT_VIEW_MIN
    threshold: float = DEFAULT_THRESHOLD
    seed: int = 0

    @classmethod
    def from_params(cls, params: dict) -> QCOptions:
        return cls(
            retrain=bool(params.get("retrain", False)),
            epochs=params.get("epochs"),
            train_max=int(params.get("train_max", DEFAULT_TRAIN_MAX)),
            view_min_per_class=int(params.get("view_min_per_class", DEFAULT_VIEW_MIN)),
            threshold=float(params.get("threshold", DEFAULT_THRESHOLD)),
        )

    def train_config(self, n_images: int) -> TrainConfig:
        """Batches of 16 and enough epochs for ~TARGET_SAMPLES training samples (small datasets
        need many passes of the random transforms; large ones few), unless `epochs` is given."""
        epochs = self.epochs or min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_SAMPLES / max(1, n_images))))
        return TrainConfig(epochs=int(epochs), batch_size=16, early_stopping_patience=5, hflip=False)


Progress = Callable[[int, int], None]


def _age(image: Image) -> float | None:
    age = image.study.patient_age_years
    return age if age is not None else image.study.patient.age_years


def rule_flags(dataset: Dataset, images: list[Image]) -> dict[str, list[tuple[int, RaisedFlag]]]:
    """Flags from metadata alone, by source version."""
    threshold = float(dataset.pediatric_age_years)
    pediatric: list[tuple[int, RaisedFlag]] = []
    metadata: list[tuple[int, RaisedFlag]] = []
    chest = dataset.modality == Modality.CHEST_XRAY
    for image in images:
        try:
            flag = pediatric_flag(_age(image), threshold_years=threshold)
        except InputError:
            flag = None
        if flag is not None and flag.flagged:
            pediatric.append((image.pk, flag))
        if not chest:
            continue
        view = (image.view_position or "").strip().upper()
        if view in LATERAL_VIEWS:
            metadata.append(
                (image.pk, RaisedFlag(NON_FRONTAL, 1.0, True, {"rule": "ViewPosition", "value": view}))
            )
        part = (image.body_part or "").strip().upper()
        if part and part not in CHEST_PARTS:
            metadata.append(
                (
                    image.pk,
                    RaisedFlag(WRONG_BODY_PART, 1.0, True, {"rule": "BodyPartExamined", "value": part}),
                )
            )
    return {f"rule-pediatric-{threshold:g}y": pediatric, METADATA_RULES: metadata}


def _reviewed(dataset: Dataset, kinds: tuple[str, ...]):
    return QCFlag.objects.filter(
        image__dataset=dataset,
        kind__in=kinds,
        status__in=[QCStatus.CONFIRMED, QCStatus.REJECTED, QCStatus.CORRECTED],
    )


def reviewed_examples(dataset: Dataset, task: str) -> tuple[list[Image], list[int]]:
    """Reviewed rotation (true CCW degrees) or inversion (0/1) examples, as stored (uncorrected)."""
    kind = QCKind.ROTATED if task == "rotation" else QCKind.INVERTED
    images: list[Image] = []
    labels: list[int] = []
    seen: set[int] = set()
    for flag in _reviewed(dataset, (kind,)).select_related("image").order_by("-resolved_at", "-id"):
        if flag.image_id in seen:
            continue
        if flag.status == QCStatus.REJECTED:
            label = 0
        elif task == "rotation":
            # the clockwise turn that fixes it equals the counter-clockwise turn the image has
            deg = flag.correction.get("rotate") if flag.status == QCStatus.CORRECTED else None
            deg = deg if deg is not None else flag.detail.get("predicted_rotation")
            if deg is None or int(deg) % 90:
                continue
            label = int(deg) % 360
        else:
            label = 1 if flag.status == QCStatus.CONFIRMED else int(bool(flag.correction.get("invert")))
        seen.add(flag.image_id)
        images.append(flag.image)
        labels.append(label)
    return images, labels


def _needs_training(
    dataset: Dataset, current: ModelVersion | None, kinds: tuple[str, ...], retrain: bool
) -> bool:
    if current is None or retrain:
        return True
    latest = _reviewed(dataset, kinds).aggregate(t=Max("resolved_at"))["t"]
    return latest is not None and latest > current.created_at


def _register(dataset: Dataset, kind: str, detector: ImageDetector, metrics: dict) -> ModelVersion:
    return model_version_register(
        dataset=dataset,
        kind=kind,
        write=lambda path: detector.save(path, {"dataset": dataset.slug}),
        spec=detector.model.spec.to_dict(),
        metrics=metrics,
        production=True,
    )


def _load(mv: ModelVersion) -> ImageDetector:
    ckpt = model_checkpoint(mv)
    return DETECTOR_CLASSES[mv.kind](
        model=ckpt.model,
        threshold=float(ckpt.metadata.get("threshold", 0.5)),
        metrics=dict(ckpt.metadata.get("metrics", {})),
    )


def self_supervised_detector(
    dataset: Dataset, task: str, images: list[Image], options: QCOptions
) -> tuple[ImageDetector | None, ModelVersion | None, str]:
    """The dataset's production rotation / inversion detector, trained now if needed; with a note."""
    kind = ModelKind.ROTATION if task == "rotation" else ModelKind.INVERSION
    flag_kind = QCKind.ROTATED if task == "rotation" else QCKind.INVERTED
    current = production_model(dataset, (kind,))
    if not _needs_training(dataset, current, (flag_kind,), options.retrain):
        return _load(current), current, "loaded"
    doubtful = set(
        QCFlag.objects.filter(
            image__dataset=dataset,
            kind__in=[QCKind.ROTATED, QCKind.INVERTED],
            status__in=[QCStatus.OPEN, QCStatus.CONFIRMED],
        ).values_list("image_id", flat=True)
    )
    pool = [i for i in images if i.pk not in doubtful]
    if len(pool) > options.train_max:
        pick = np.random.default_rng(options.seed).choice(len(pool), options.train_max, replace=False)
        pool = [pool[i] for i in sorted(pick)]
    size = size_config(SIZE).input_size
    _, arrays, _ = cached_arrays(pool, size=size)
    rev_images, rev_labels = reviewed_examples(dataset, task)
    reviewed = None
    if rev_images:
        ok_images, rev_arrays, _ = cached_arrays(rev_images, size=size, corrected=False)
        by_id = dict(zip([i.pk for i in rev_images], rev_labels, strict=True))
        reviewed = LabelledExamples(rev_arrays, [by_id[i.pk] for i in ok_images])
    if len(arrays) < MIN_TRAIN_IMAGES:
        if current is not None:
            return _load(current), current, "loaded (too few images to retrain)"
        return None, None, f"skipped: {len(arrays)} usable images, {MIN_TRAIN_IMAGES} needed to train"
    n_train = len(arrays) + (len(reviewed.images) if reviewed else 0)
    trained = train_self_supervised(
        task,
        arrays,
        reviewed=reviewed,
        size=SIZE,
        config=options.train_config(n_train),
        threshold=options.threshold,
        device="auto",
    )
    metrics = {**trained.metrics, "reviewed_examples": len(reviewed.images) if reviewed else 0}
    metrics.pop("history", None)
    mv = _register(dataset, kind, trained.detector, metrics)
    return trained.detector, mv, "trained"


def view_examples(dataset: Dataset, options: QCOptions) -> tuple[list[Image], list[str]]:
    """Reviewed view / body-part examples plus unflagged PA / AP images as frontal ones."""
    verdicts: dict[int, set[tuple[str, str]]] = {}
    images: dict[int, Image] = {}
    for flag in _reviewed(dataset, (QCKind.NON_FRONTAL, QCKind.WRONG_BODY_PART)).select_related("image"):
        verdicts.setdefault(flag.image_id, set()).add((flag.kind, flag.status))
        images[flag.image_id] = flag.image
    by_image: dict[int, tuple[Image, str]] = {}
    for image_id, seen in verdicts.items():
        if (QCKind.WRONG_BODY_PART, QCStatus.CONFIRMED) in seen:
            by_image[image_id] = (images[image_id], "other")
        elif (QCKind.NON_FRONTAL, QCStatus.CONFIRMED) in seen:
            by_image[image_id] = (images[image_id], "lateral")
        elif any(status == QCStatus.REJECTED for _, status in seen):
            by_image[image_id] = (images[image_id], "frontal")
    labels = [label for _, label in by_image.values()]
    confirmed = max(labels.count("lateral"), labels.count("other"))
    if confirmed < options.view_min_per_class:
        return [], []
    flagged = QCFlag.objects.filter(
        image__dataset=dataset, kind__in=[QCKind.NON_FRONTAL, QCKind.WRONG_BODY_PART]
    )
    frontal = list(
        Image.objects.filter(dataset=dataset, view_position__in=list(FRONTAL_VIEWS))
        .exclude(pk__in=flagged.values("image_id"))
        .order_by("pk")
    )
    want = max(0, 2 * confirmed - labels.count("frontal"))
    if len(frontal) > want:
        pick = np.random.default_rng(options.seed).choice(len(frontal), want, replace=False)
        frontal = [frontal[i] for i in sorted(pick)]
    items = list(by_image.values()) + [(i, "frontal") for i in frontal]
    return [i for i, _ in items], [label for _, label in items]


def view_detector(
    dataset: Dataset, options: QCOptions
) -> tuple[ImageDetector | None, ModelVersion | None, str]:
    current = production_model(dataset, (ModelKind.VIEW,))
    if not _needs_training(dataset, current, (QCKind.NON_FRONTAL, QCKind.WRONG_BODY_PART), options.retrain):
        return _load(current), current, "loaded"
    images, labels = view_examples(dataset, options)
    if not images:
        if current is not None:
            return _load(current), current, "loaded"
        return (
            None,
            None,
            f"skipped: fewer than {options.view_min_per_class} reviewed lateral or other examples",
        )
    ok_images, arrays, _ = cached_arrays(images, size=size_config(SIZE).input_size)
    by_id = {i.pk: label for i, label in zip(images, labels, strict=True)}
    ok_labels = [by_id[i.pk] for i in ok_images]
    if len(set(ok_labels)) < 2:
        return None, None, "skipped: the reviewed examples hold a single view"
    trained = train_view_classifier(
        arrays,
        ok_labels,
        size=SIZE,
        config=options.train_config(len(ok_labels)),
        threshold=options.threshold,
        device="auto",
    )
    metrics = {
        **trained.metrics,
        "examples": dict(zip(*np.unique(ok_labels, return_counts=True), strict=True)),
    }
    metrics["examples"] = {str(k): int(v) for k, v in metrics["examples"].items()}
    metrics.pop("history", None)
    mv = _register(dataset, ModelKind.VIEW, trained.detector, metrics)
    return trained.detector, mv, "trained"


def detect(
    detectors: list[tuple[ImageDetector, ModelVersion]], images: list[Image], progress: Progress | None
) -> tuple[dict[str, list[tuple[int, RaisedFlag]]], list[tuple[int, str]]]:
    """Run each detector over every image (as displayed), in chunks; flags by source version."""
    out: dict[str, list[tuple[int, RaisedFlag]]] = {mv.version_tag: [] for _, mv in detectors}
    failed: list[tuple[int, str]] = []
    size = size_config(SIZE).input_size
    for lo in range(0, len(images), DETECT_CHUNK):
        ok_images, arrays, bad = cached_arrays(images[lo : lo + DETECT_CHUNK], size=size)
        failed.extend(bad)
        if len(ok_images):
            for detector, mv in detectors:
                for image, flags in zip(ok_images, detector.detect(arrays), strict=True):
                    out[mv.version_tag].extend((image.pk, f) for f in flags if f.flagged)
        if progress is not None:
            progress(min(lo + DETECT_CHUNK, len(images)), len(images))
    return out, failed


def qc_run(dataset: Dataset, options: QCOptions, progress: Progress | None = None) -> dict:
    """One QC run over the dataset (see the module docstring); returns the job summary."""
    images = list(Image.objects.filter(dataset=dataset).select_related("study__patient").order_by("pk"))
    summary: dict = {"images": len(images), "flags_created": {}, "detectors": {}}
    by_source = rule_flags(dataset, images)
    detectors: list[tuple[ImageDetector, ModelVersion]] = []
    if dataset.modality == Modality.CHEST_XRAY and images:
        for name, (detector, mv, note) in (
            ("rotation", self_supervised_detector(dataset, "rotation", images, options)),
            ("inversion", self_supervised_detector(dataset, "inversion", images, options)),
            ("view", view_detector(dataset, options)),
        ):
            summary["detectors"][name] = {"status": note}
            if detector is not None and mv is not None:
                detectors.append((detector, mv))
                summary["detectors"][name].update(
                    {"version": mv.version_tag, "val_accuracy": mv.metrics.get("val_accuracy")}
                )
    else:
        summary["detectors"]["all"] = {"status": f"skipped: no image detectors for {dataset.modality}"}
    failed: list[tuple[int, str]] = []
    if detectors:
        found, failed = detect(detectors, images, progress)
        by_source.update(found)
    flagged_images: set[int] = set()
    for source, flags in by_source.items():
        summary["flags_created"][source] = qc_flags_store(flags=flags, source_version=source)
        flagged_images.update(i for i, _ in flags)
    summary["held"] = qc_hold_sync(image_ids=sorted(flagged_images))
    summary["failed"] = len(failed)
    summary["errors"] = [
        {"file": f"image {image_id}", "code": "pixels_unavailable", "message": message}
        for image_id, message in failed[:1000]
    ]
    return summary
