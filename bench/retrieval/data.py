"""Synthetic embeddings with labels, so that retrieval precision@10 means something.

Each item has multi-label findings (14, ChestX-ray14-like prevalences from 1% to 25%, drawn
independently) and belongs to one of many "anatomy" clusters that carry no label information
(patient build, exposure, device: what an image embedding also encodes). Its D-dimensional
embedding is

    x = anatomy_centre[c] * ANATOMY + sum_f y_f * finding_direction[f] * SIGNAL + noise

with unit-variance Gaussian noise per dimension. Neighbours then share findings more often than
chance, but not always: the anatomy cluster and noise compete with the finding signal, as in a
real penultimate layer. Generated in chunks straight into one float32 array (4 GB at 1M x 1024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PREVALENCE = np.array([0.25, 0.18, 0.12, 0.10, 0.08, 0.06, 0.05, 0.04, 0.03, 0.03, 0.02, 0.02, 0.01, 0.01])
FINDINGS = [f"finding_{i:02d}" for i in range(len(PREVALENCE))]


@dataclass(frozen=True)
class Synthetic:
    vectors: np.ndarray  # [N, D] float32
    positive: np.ndarray  # [N, F] bool
    queries: np.ndarray  # [Q, D] float32: fresh items of the same distribution
    query_positive: np.ndarray  # [Q, F] bool


def generate(
    n: int,
    d: int,
    *,
    n_queries: int,
    anatomy_clusters: int = 256,
    anatomy: float = 1.0,
    signal: float = 1.0,
    seed: int = 0,
    chunk: int = 65536,
) -> Synthetic:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((anatomy_clusters, d), dtype=np.float32) * np.float32(anatomy)
    directions = rng.standard_normal((len(PREVALENCE), d), dtype=np.float32) * np.float32(signal)

    def items(count: int, out: np.ndarray) -> np.ndarray:
        pos = rng.random((count, len(PREVALENCE))) < PREVALENCE
        for start in range(0, count, chunk):
            stop = min(count, start + chunk)
            block = out[start:stop]
            block[:] = rng.standard_normal((stop - start, d), dtype=np.float32)
            block += centres[rng.integers(0, anatomy_clusters, stop - start)]
            block += pos[start:stop].astype(np.float32) @ directions
        return pos

    vectors = np.empty((n, d), dtype=np.float32)
    positive = items(n, vectors)
    queries = np.empty((n_queries, d), dtype=np.float32)
    query_positive = items(n_queries, queries)
    return Synthetic(vectors=vectors, positive=positive, queries=queries, query_positive=query_positive)
