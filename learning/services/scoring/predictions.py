"""Storing a model's outputs: one Prediction per (image, model version), plus model labels.

`predictions_store` upserts on the (image, model version) unique key, so a rerun (a redelivered
task, a second scoring job) rewrites the same rows and never adds one. Probabilities are stored per
output label as JSON, the penultimate embedding as float32 little-endian bytes (the stored form is
learning.bridge.predictions').

Model labels (source "model", source version = the version tag) are written when the model predicts
the dataset's schema one to one: a multi-label model whose outputs are exactly the schema's labelled
findings (CheXNet's 14 ChestX-ray14 findings on a chestxray14 dataset). Each is positive at
probability >= 0.5, else negative, with the probability. Like every source version they are
immutable: an existing model label is left as it is. A model that does not predict the schema (or a
single-choice model) gets Predictions only.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from annotations.errors import InvalidInputError
from annotations.models import Finding, Image, Label
from annotations.models.choices import LabelSource, LabelValue
from annotations.services.labels import findings_by_key
from learning.bridge.predictions import prediction_row_values
from learning.models import ModelVersion, Prediction

LABEL_THRESHOLD = 0.5
BATCH = 1000


def model_outputs(model_version: ModelVersion) -> tuple[str, ...]:
    labels = (model_version.spec or {}).get("labels")
    if not labels:
        raise InvalidInputError(
            f"{model_version.version_tag} has no output labels in its spec; register it with its spec"
        )
    return tuple(labels)


def schema_findings_predicted(model_version: ModelVersion) -> dict[str, Finding]:
    """The schema findings the model labels (its outputs map 1:1 onto the schema), else {}."""
    if not (model_version.spec or {}).get("multilabel", False):
        return {}
    findings = {k: f for k, f in findings_by_key(model_version.dataset.schema).items() if not f.is_derived}
    return findings if set(model_outputs(model_version)) == set(findings) else {}


def predictions_store(
    *, model_version: ModelVersion, image_ids: list[int], probs: np.ndarray, embeddings: np.ndarray
) -> int:
    """Upsert the Predictions (and model labels) of these images; returns how many rows were written."""
    labels = model_outputs(model_version)
    probs = np.asarray(probs, dtype=np.float32)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    n = len(image_ids)
    if probs.shape != (n, len(labels)):
        raise InvalidInputError(f"probs must be [{n}, {len(labels)}] for {model_version.version_tag}")
    if embeddings.ndim != 2 or embeddings.shape[0] != n:
        raise InvalidInputError(f"embeddings must be [{n}, D], got {embeddings.shape}")
    if n == 0:
        return 0
    if len(set(image_ids)) != n:
        raise InvalidInputError("image_ids must be distinct")
    in_dataset = Image.objects.filter(pk__in=image_ids, dataset_id=model_version.dataset_id).count()
    if in_dataset != n:
        raise InvalidInputError(f"{n - in_dataset} image(s) are not in the model version's dataset")
    findings = schema_findings_predicted(model_version)
    tag = model_version.version_tag
    with transaction.atomic():
        for lo in range(0, n, BATCH):
            hi = min(lo + BATCH, n)
            Prediction.objects.bulk_create(
                [
                    Prediction(
                        image_id=int(image_ids[i]),
                        model_version=model_version,
                        **prediction_row_values(labels, probs[i], embeddings[i]),
                    )
                    for i in range(lo, hi)
                ],
                update_conflicts=True,
                unique_fields=["image", "model_version"],
                update_fields=["probabilities", "embedding"],
            )
            if findings:
                Label.objects.bulk_create(
                    [
                        Label(
                            image_id=int(image_ids[i]),
                            finding=findings[key],
                            source=LabelSource.MODEL,
                            source_version=tag,
                            value=LabelValue.POSITIVE if p >= LABEL_THRESHOLD else LabelValue.NEGATIVE,
                            probability=float(p),
                        )
                        for i in range(lo, hi)
                        for key, p in zip(labels, probs[i], strict=True)
                        if key in findings
                    ],
                    ignore_conflicts=True,
                )
    return n
