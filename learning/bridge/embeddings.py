"""Stored embeddings -> index arrays: what the similar-case indexes are built and searched from.

`embeddings_of` reads a model version's stored penultimate embeddings (Prediction.embedding, see
`learning.bridge.predictions`) as `[N]` image ids plus `[N, D]` float32 vectors, in image id order;
the retrieval index service builds `ml.retrieval` indexes from them and the similar-cases selector
searches the rows an index does not hold yet.
"""

from __future__ import annotations

import numpy as np
from django.db.models import QuerySet

from annotations.models import Image
from learning.models import ModelVersion, Prediction
from ml.retrieval import decode_embedding


def embeddings_of(
    model_version: ModelVersion, images: QuerySet[Image] | None = None, *, chunk_size: int = 2000
) -> tuple[np.ndarray, np.ndarray]:
    """(image ids [N] int64, embeddings [N, D] float32) of `images` (default: every image) for the
    model version, in image id order; images without a stored embedding are left out."""
    qs = Prediction.objects.filter(model_version=model_version, embedding__isnull=False)
    qs = qs.filter(image__dataset_id=model_version.dataset_id)
    if images is not None:
        qs = qs.filter(image__in=images)
    ids: list[int] = []
    rows: list[np.ndarray] = []
    dim: int | None = None
    for image_id, blob in qs.order_by("image_id").values_list("image_id", "embedding").iterator(chunk_size):
        vec = decode_embedding(blob, dim=dim)
        dim = vec.shape[0]
        ids.append(image_id)
        rows.append(vec)
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    return np.asarray(ids, dtype=np.int64), np.stack(rows)
