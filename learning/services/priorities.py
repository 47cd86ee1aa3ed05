"""The reading worklist's priority source (annotations.hooks.PrioritySource): the scores a ranking
stored per (image, strategy, model version), and the random baseline's reproducible scores.

The worklist (annotations.services.reading.worklist) orders and re-orders its items by these; it
reaches them through the hook registered in learning.hooks, never by importing this module.
"""

from __future__ import annotations

import hashlib
import struct

from django.db.models import Q, QuerySet

from annotations.models import Dataset
from learning.models import RankingScore

RANDOM = "random"
CHUNK = 5000


def random_score(seed: int, image_id: int) -> float:
    """A uniform [0, 1) score, reproducible from (seed, image id) on any machine."""
    digest = hashlib.blake2b(f"{seed}:{image_id}".encode(), digest_size=8).digest()
    return (struct.unpack(">Q", digest)[0] >> 11) / float(1 << 53)


def priority_scores(strategy: str, model_version) -> QuerySet:
    """Stored scores of `strategy` from `model_version` (None: the model-free ones, e.g. random)."""
    version = Q(model_version=model_version) if model_version is not None else Q(model_version__isnull=True)
    return RankingScore.objects.filter(Q(strategy=strategy) & version)


def random_scores_fill(dataset: Dataset, image_ids: list[int], seed: int) -> None:
    """(Re)write the random baseline's score of these images from `seed`."""
    for start in range(0, len(image_ids), CHUNK):
        chunk = image_ids[start : start + CHUNK]
        RankingScore.objects.filter(image_id__in=chunk, strategy=RANDOM, model_version__isnull=True).delete()
        RankingScore.objects.bulk_create(
            RankingScore(dataset=dataset, image_id=i, strategy=RANDOM, score=random_score(seed, i))
            for i in chunk
        )
