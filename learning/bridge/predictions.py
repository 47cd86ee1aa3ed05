"""Predictions <-> arrays: the stored form of a model's outputs and the arrays read back from it.

A Prediction stores its probabilities as JSON per output label ({label: p}) and its penultimate
embedding as float32 little-endian bytes (`ml.retrieval.encode_embedding`). `prediction_row_values`
writes that form (scoring), `prediction_arrays` reads a model version's predictions back as
`[N, C]` probabilities in the model's label order plus `[N, D]` embeddings (ranking).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from annotations.models import Dataset
from learning.models import ModelVersion, Prediction
from ml.retrieval import decode_embedding, encode_embedding

CHUNK = 5000


class PredictionsMismatchError(ValueError):
    """Stored probabilities do not cover the labels asked for (another schema, an older spec)."""


def probabilities_json(labels: Sequence[str], probs: Sequence[float]) -> dict[str, float]:
    """The stored form of one image's probabilities: {output label: p}."""
    return {k: float(p) for k, p in zip(labels, probs, strict=True)}


def prediction_row_values(labels: Sequence[str], probs: Sequence[float], embedding: np.ndarray) -> dict:
    """The field values of one Prediction row: probabilities per label, the embedding as bytes."""
    return {"probabilities": probabilities_json(labels, probs), "embedding": encode_embedding(embedding)}


def probabilities_row(raw, labels: Sequence[str]) -> list[float]:
    """One stored probabilities value as a list in `labels` order (a dict per label, or a list)."""
    try:
        if isinstance(raw, Mapping):
            return [float(raw[k]) for k in labels]
        if isinstance(raw, list | tuple) and len(raw) == len(labels):
            return [float(v) for v in raw]
    except (KeyError, TypeError, ValueError):
        pass
    raise PredictionsMismatchError("probabilities do not cover the model's labels")


@dataclass(frozen=True)
class PredictionArrays:
    """A model version's predictions of a dataset, in image id order."""

    ids: list[int]
    probs: np.ndarray  # [N, C] float64, in the order of the labels asked for
    embeddings: np.ndarray | None  # [N, D] float32; None unless every row has one of one size


def prediction_arrays(
    model_version: ModelVersion, dataset: Dataset, labels: Sequence[str]
) -> PredictionArrays:
    """Every stored prediction of `model_version` for the dataset's images (PredictionsMismatchError
    when one does not cover `labels`)."""
    ids: list[int] = []
    probs: list[list[float]] = []
    embeddings: list[np.ndarray] = []
    missing_embedding = False
    rows = (
        Prediction.objects.filter(model_version=model_version, image__dataset=dataset)
        .order_by("image_id")
        .values_list("image_id", "probabilities", "embedding")
    )
    for image_id, raw, blob in rows.iterator(CHUNK):
        probs.append(probabilities_row(raw, labels))
        ids.append(image_id)
        if blob is None:
            missing_embedding = True
        elif not missing_embedding:
            embeddings.append(decode_embedding(blob))
    usable = bool(embeddings) and not missing_embedding and len({len(e) for e in embeddings}) == 1
    return PredictionArrays(
        ids=ids,
        probs=np.asarray(probs, dtype=np.float64).reshape(len(ids), len(labels)),
        embeddings=np.stack(embeddings) if usable else None,
    )
