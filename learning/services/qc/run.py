"""Bad-image detection for a dataset: rules, the orientation / inversion detector, the view classifier.

One QC run, in order:

1. **Rules, no model.** Pediatric: the study's PatientAge (else the patient's age) under the
   dataset's `pediatric_age_years`. Metadata (chest datasets): a lateral / oblique ViewPosition
   flags `non_frontal`, a BodyPartExamined other than chest flags `wrong_body_part`.
2. **Orientation and inversion** (chest datasets): one small net names each film's orientation
   (upright, turned 90 / 180 / 270, mirrored left-right or top-bottom, or both) and whether it is
   inverted, checking all eight orientations of the film (see ml.detectors.orientation).
   It starts from the shipped detector (ml/detectors/weights, built from real development
   films and synthetic ones, never from outside the project), registered as the dataset's
   `orientation` ModelVersion. It is fine-tuned on the dataset's own films (self-supervised, as
   upright and normal) when asked (`retrain`) or when people have reviewed flags since it was
   registered; films it flags, or that have open or confirmed orientation flags, stay out of that
   training. Flags: `rotated`, `flipped` (a laterals' mirror is never a problem), `inverted`, each
   with the suggested fix in its detail; none on films whose BodyPartExamined is not a chest.
3. **View / body-part classifier**, trained once enough reviewed examples exist: confirmed
   `non_frontal` flags are lateral films, confirmed `wrong_body_part` flags other body parts,
   rejected ones frontal films, topped up with unflagged images whose metadata says PA / AP.
4. Every raised flag is stored (`qc_flags_store`, source version = detector version or rule name)
   and the images' work items are held from reading (`qc_hold_sync`).

Progress: `progress(done, total)` counts fine-tuning epochs while it trains, then images scored;
the caller's callback may raise to stop (a cancelled job), which it is given the chance to do after
every epoch and every slice of images. Detection runs on the images as displayed (corrections from
resolved flags applied), through the preprocessing cache, so a rerun decodes nothing. Idempotent: a
rerun with the same detectors adds no flag and reopens none.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Max

from annotations.models import Dataset, Image, QCFlag
from annotations.models.choices import Modality, ModelKind, QCKind, QCStatus
from annotations.services.qc.flags import qc_flags_store
from annotations.services.qc.review import qc_hold_sync
from learning.bridge.images import cached_arrays
from learning.models import ModelVersion
from learning.services.models.weights import (
    ModelFileError,
    model_checkpoint,
    model_version_register,
    model_weights_path,
    production_model,
    sha256_file,
)
from ml.detectors.detector import DETECTOR_CLASSES, ImageDetector
from ml.detectors.flags import NON_FRONTAL, WRONG_BODY_PART
from ml.detectors.flags import QCFlag as RaisedFlag
from ml.detectors.orientation import OrientationDetector, load_orientation_detector
from ml.detectors.orientation_training import OrientationTrainConfig, train_orientation
from ml.detectors.pediatric import pediatric_flag
from ml.detectors.pretrained import VERSION_TAG, load_pretrained
from ml.detectors.training import train_view_classifier
from ml.nets.errors import InputError
from ml.nets.spec import size_config
from ml.nets.train import TrainConfig

log = logging.getLogger(__name__)

METADATA_RULES = "rule-metadata-v1"
LATERAL_VIEWS = frozenset(
    {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD", "LAO", "RAO", "LPO", "RPO", "LLO", "RLO"}
)
FRONTAL_VIEWS = frozenset({"PA", "AP"})
CHEST_PARTS = frozenset({"CHEST", "THORAX", "LUNG"})
DETECT_CHUNK = 512  # images per slice: progress and the cancel check come once per slice
MIN_TRAIN_IMAGES = 20
DEFAULT_TRAIN_MAX = 4000
DEFAULT_VIEW_MIN = 8
TARGET_SAMPLES = 2400
# The view classifier, trained on a few reviewed examples, flags from 0.8; the orientation detector
# flags at its own threshold (chosen when it was built, see bench/qc/README.md) unless one is given.
DEFAULT_THRESHOLD = 0.8
MIN_EPOCHS, MAX_EPOCHS = 8, 30
FINE_TUNE_EPOCHS = 4
FINE_TUNE_LR = 5e-4
FINE_TUNE_SAMPLES = 2000
SIZE = "tiny"
ORIENTATION_KINDS = (QCKind.ROTATED, QCKind.FLIPPED, QCKind.INVERTED)


@dataclass(frozen=True)
class QCOptions:
    retrain: bool = False
    epochs: int | None = None
    train_max: int = DEFAULT_TRAIN_MAX
    view_min_per_class: int = DEFAULT_VIEW_MIN
    threshold: float | None = None
    seed: int = 0

    @classmethod
    def from_params(cls, params: dict) -> QCOptions:
        return cls(
            retrain=bool(params.get("retrain", False)),
            epochs=params.get("epochs"),
            train_max=int(params.get("train_max", DEFAULT_TRAIN_MAX)),
            view_min_per_class=int(params.get("view_min_per_class", DEFAULT_VIEW_MIN)),
            threshold=float(params["threshold"]) if params.get("threshold") is not None else None,
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


def _orientation_register(
    dataset: Dataset, detector: OrientationDetector, metrics: dict, note: str
) -> ModelVersion:
    return model_version_register(
        dataset=dataset,
        kind=ModelKind.ORIENTATION,
        write=lambda path: detector.save(path, {"dataset": dataset.slug, "origin": note}),
        spec={"kind": "orientation", **detector.config(), "threshold": detector.threshold},
        metrics=metrics,
        production=True,
    )


def _orientation_load(mv: ModelVersion) -> OrientationDetector:
    path = model_weights_path(mv)
    if not path.is_file():
        raise ModelFileError(f"the weights of {mv.version_tag} are missing ({path.name})")
    if mv.weights_sha256 and sha256_file(path) != mv.weights_sha256:
        raise ModelFileError(f"the weights file of {mv.version_tag} is not the one registered (hash differs)")
    return load_orientation_detector(path)


def _doubtful(dataset: Dataset) -> set[int]:
    """Images whose orientation / inversion is in question: an open or confirmed flag."""
    return set(
        QCFlag.objects.filter(
            image__dataset=dataset,
            kind__in=ORIENTATION_KINDS,
            status__in=[QCStatus.OPEN, QCStatus.CONFIRMED],
        ).values_list("image_id", flat=True)
    )


def lateral_images(dataset: Dataset, images: list[Image]) -> set[int]:
    """Images known to be laterals: by ViewPosition, or an open / confirmed non-frontal flag."""
    marked = set(
        QCFlag.objects.filter(
            image__dataset=dataset,
            kind=QCKind.NON_FRONTAL,
            status__in=[QCStatus.OPEN, QCStatus.CONFIRMED],
        ).values_list("image_id", flat=True)
    )
    return marked | {i.pk for i in images if (i.view_position or "").strip().upper() in LATERAL_VIEWS}


def orientation_detector(
    dataset: Dataset, images: list[Image], options: QCOptions, progress: Progress | None = None
) -> tuple[OrientationDetector, ModelVersion, str]:
    """The dataset's production orientation detector: loaded, or the shipped one registered, and
    fine-tuned on the dataset's own films when asked or when flags were reviewed since; with a note."""
    current = production_model(dataset, (ModelKind.ORIENTATION,))
    fine_tune = _needs_training(dataset, current, ORIENTATION_KINDS, options.retrain) and (
        current is not None or options.retrain
    )
    if current is not None and not fine_tune:
        return _orientation_load(current), current, "loaded"
    base = _orientation_load(current) if current is not None else load_pretrained()
    if options.threshold is not None:
        base.threshold = options.threshold
    if not fine_tune:
        metrics = {"origin": VERSION_TAG, "pretrained": base.metrics}
        return base, _orientation_register(dataset, base, metrics, VERSION_TAG), "pretrained"
    size = base.input_size
    # films the current detector flags, or people doubt, stay out of the "upright and normal" pool
    doubtful = _doubtful(dataset)
    pool = [i for i in images if i.pk not in doubtful]
    if len(pool) > options.train_max:
        pick = np.random.default_rng(options.seed).choice(len(pool), options.train_max, replace=False)
        pool = [pool[i] for i in sorted(pick)]
    _, arrays, _ = cached_arrays(pool, size=size)
    if len(arrays):
        scores = base.score(arrays)
        keep = (scores.not_upright < base.threshold) & (scores.inverted < base.threshold)
        arrays = arrays[keep]
    if len(arrays) < MIN_TRAIN_IMAGES:
        note = f"not fine-tuned: {len(arrays)} usable films, {MIN_TRAIN_IMAGES} needed"
        if current is not None:
            return base, current, note
        return base, _orientation_register(dataset, base, {"origin": VERSION_TAG}, VERSION_TAG), note
    epochs = int(options.epochs or FINE_TUNE_EPOCHS)
    # about FINE_TUNE_SAMPLES turned / mirrored / inverted views per epoch, whatever the pool's size
    views = min(8, max(1, FINE_TUNE_SAMPLES // len(arrays)))
    # the net is fine-tuned on what it reads (pooled 2 x 2 from the mirror head's size); the mirror
    # and marker heads, trained on development films at 256 px, are kept as shipped
    config = OrientationTrainConfig(
        epochs=epochs, lr=FINE_TUNE_LR, seed=options.seed, size=base.net.size, views_per_film=views
    )
    result = train_orientation(
        base.net_inputs(arrays),
        config=config,
        init=base.net,
        progress=(lambda r: progress(r.epoch, r.epochs)) if progress is not None else None,
    )
    tuned = OrientationDetector(
        net=result.net, threshold=base.threshold, mirror=base.mirror, marker=base.marker
    )
    metrics = {
        "origin": current.version_tag if current is not None else VERSION_TAG,
        "fine_tuned_on": len(arrays),
        "epochs": len(result.history),
        "seconds": round(result.seconds, 1),
        "final_loss": round(result.history[-1].loss, 4) if result.history else None,
    }
    return tuned, _orientation_register(dataset, tuned, metrics, "fine-tuned"), "fine-tuned"


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
        threshold=options.threshold if options.threshold is not None else DEFAULT_THRESHOLD,
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


AnyDetector = ImageDetector | OrientationDetector


def _input_size(detector: AnyDetector) -> int:
    if isinstance(detector, OrientationDetector):
        return detector.input_size
    return detector.model.spec.input_size


def detect(
    detectors: list[tuple[AnyDetector, ModelVersion]],
    images: list[Image],
    progress: Progress | None,
    lateral: set[int] | None = None,
) -> tuple[dict[str, list[tuple[int, RaisedFlag]]], list[tuple[int, str]]]:
    """Run each detector over every image (as displayed), slice by slice; flags by source version.
    `progress(done, total)` follows each slice (and may raise to stop)."""
    out: dict[str, list[tuple[int, RaisedFlag]]] = {mv.version_tag: [] for _, mv in detectors}
    failed: dict[int, str] = {}
    lateral = lateral or set()
    for lo in range(0, len(images), DETECT_CHUNK):
        chunk = images[lo : lo + DETECT_CHUNK]
        for detector, mv in detectors:
            ok_images, arrays, bad = cached_arrays(chunk, size=_input_size(detector))
            failed.update(bad)
            if not len(ok_images):
                continue
            if isinstance(detector, OrientationDetector):
                found = detector.detect(arrays, lateral=[i.pk in lateral for i in ok_images])
            else:
                found = detector.detect(arrays)
            for image, flags in zip(ok_images, found, strict=True):
                out[mv.version_tag].extend((image.pk, f) for f in flags if f.flagged)
        if progress is not None:
            progress(min(lo + DETECT_CHUNK, len(images)), len(images))
    return out, sorted(failed.items())


def qc_run(dataset: Dataset, options: QCOptions, progress: Progress | None = None) -> dict:
    """One QC run over the dataset (see the module docstring); returns the job summary."""
    images = list(Image.objects.filter(dataset=dataset).select_related("study__patient").order_by("pk"))
    summary: dict = {"images": len(images), "flags_created": {}, "detectors": {}}
    by_source = rule_flags(dataset, images)
    detectors: list[tuple[AnyDetector, ModelVersion]] = []
    lateral: set[int] = set()
    if dataset.modality == Modality.CHEST_XRAY and images:
        orientation, mv, note = orientation_detector(dataset, images, options, progress)
        detectors.append((orientation, mv))
        summary["detectors"]["orientation"] = {
            "status": note,
            "version": mv.version_tag,
            "threshold": orientation.threshold,
        }
        if "seconds" in mv.metrics:
            summary["detectors"]["orientation"]["training_seconds"] = mv.metrics["seconds"]
        view, view_mv, view_note = view_detector(dataset, options)
        summary["detectors"]["view"] = {"status": view_note}
        if view is not None and view_mv is not None:
            detectors.append((view, view_mv))
            summary["detectors"]["view"].update(
                {"version": view_mv.version_tag, "val_accuracy": view_mv.metrics.get("val_accuracy")}
            )
        lateral = lateral_images(dataset, images)
    else:
        summary["detectors"]["all"] = {"status": f"skipped: no image detectors for {dataset.modality}"}
    failed: list[tuple[int, str]] = []
    if detectors:
        found, failed = detect(detectors, images, progress, lateral)
        # the orientation detector knows chests only: its verdict on a knee or a hand means nothing
        non_chest = {i for i, f in by_source[METADATA_RULES] if f.kind == WRONG_BODY_PART}
        for source, flags in found.items():
            found[source] = [(i, f) for i, f in flags if not (i in non_chest and f.kind in ORIENTATION_KINDS)]
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
