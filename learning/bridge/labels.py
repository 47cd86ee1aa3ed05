"""Stored labels -> label matrices: the one place where Label rows become arrays.

Values become the CheXpert convention: 1 positive, 0 negative, -1 uncertain, NaN blank; a matrix
has one row per image (in the caller's `image_index` order) and one column per model output label
(`learning.services.models.kinds.model_labels`). Later rows win, so the queries here order by id:
the latest stored label of an image and finding is the one a matrix holds.

* `final_label_matrix`: the adjudicated labels that are current (not superseded) as of a time.
* `stored_label_matrix`: the latest label of some sources (NLP; reader) as of a time.
* `single_choice_classes`: one class per row of a single-choice matrix (the column holding 1).

Training runs, the first-model bootstrap and ranking read their labels through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import numpy as np

from annotations.models import Dataset, Label
from annotations.selectors.final_labels import current_final_labels

VALUE_CODES = {"positive": 1.0, "negative": 0.0, "uncertain": -1.0}
CHUNK = 5000


def label_matrix(
    rows: Iterable[tuple[int, str, str]], image_index: Mapping[int, int], labels: tuple[str, ...]
) -> np.ndarray:
    """[N, C] codes from (image id, finding key, value) rows; later rows win; blank / unknown -> NaN."""
    out = np.full((len(image_index), len(labels)), np.nan)
    column = {k: j for j, k in enumerate(labels)}
    for image_id, key, value in rows:
        i, j = image_index.get(image_id), column.get(key)
        if i is not None and j is not None:
            out[i, j] = VALUE_CODES.get(value, np.nan)
    return out


def single_choice_classes(matrix: np.ndarray) -> np.ndarray:
    """Class index per row: the one column holding 1, else -1 (none, or an inconsistent row)."""
    positive = matrix == 1.0
    cls = np.where(positive.sum(axis=1) == 1, positive.argmax(axis=1), -1)
    return cls.astype(np.int64)


def final_label_matrix(
    dataset: Dataset,
    image_index: Mapping[int, int],
    labels: tuple[str, ...],
    *,
    as_of: datetime | None = None,
) -> tuple[np.ndarray, list[int]]:
    """(the [N, C] matrix of current adjudicated labels as of `as_of`, the ids of those labels)."""
    adjudicated = current_final_labels(dataset=dataset, as_of=as_of).order_by("pk")
    rows = list(adjudicated.values_list("pk", "image_id", "finding__key", "value").iterator(CHUNK))
    return label_matrix((r[1:] for r in rows), image_index, labels), [r[0] for r in rows]


def stored_label_matrix(
    dataset: Dataset,
    image_index: Mapping[int, int],
    labels: tuple[str, ...],
    *,
    sources: Iterable[str],
    as_of: datetime | None = None,
) -> np.ndarray:
    """The [N, C] matrix of the latest stored label of `sources` per image and finding (as of `as_of`)."""
    qs = Label.objects.filter(image__dataset=dataset, source__in=list(sources))
    if as_of is not None:
        qs = qs.filter(created_at__lte=as_of)
    rows = qs.order_by("pk").values_list("image_id", "finding__key", "value").iterator(CHUNK)
    return label_matrix(rows, image_index, labels)
