"""Embeddings as arrays: decoding the stored float32 little-endian bytes and L2-normalising rows.

Cosine similarity of normalised rows is their inner product, so every index here stores and
queries unit vectors. A zero or non-finite embedding has no direction and is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ml.retrieval.errors import EmbeddingError

STORED_DTYPE = np.dtype("<f4")  # how Prediction.embedding is stored: float32 little-endian


def decode_embedding(blob: bytes | bytearray | memoryview, *, dim: int | None = None) -> np.ndarray:
    """One stored embedding as a float32 vector (native byte order)."""
    raw = bytes(blob)
    if not raw or len(raw) % STORED_DTYPE.itemsize:
        raise EmbeddingError(
            f"an embedding must be a non-empty run of float32 values; got {len(raw)} bytes "
            "(re-run scoring for this model version)"
        )
    vec = np.frombuffer(raw, dtype=STORED_DTYPE).astype(np.float32)
    if dim is not None and vec.shape[0] != dim:
        raise EmbeddingError(f"an embedding has {vec.shape[0]} values where {dim} were expected")
    return vec


def encode_embedding(vector: np.ndarray | Sequence[float]) -> bytes:
    """A vector as the stored bytes (float32 little-endian)."""
    arr = np.asarray(vector, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise EmbeddingError(f"an embedding must be a non-empty 1-D vector; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise EmbeddingError("an embedding must be finite (no NaN or infinity)")
    return arr.astype(STORED_DTYPE).tobytes()


def stack_embeddings(blobs: Iterable[bytes | memoryview], *, dim: int | None = None) -> np.ndarray:
    """Stored embeddings as one [N, D] float32 matrix; every one must have the same length."""
    rows = [decode_embedding(b, dim=dim) for b in blobs]
    if not rows:
        return np.zeros((0, dim or 0), dtype=np.float32)
    sizes = {r.shape[0] for r in rows}
    if len(sizes) > 1:
        raise EmbeddingError(f"embeddings of different sizes {sorted(sizes)} cannot be searched together")
    return np.stack(rows)


def as_matrix(x: np.ndarray, name: str = "embeddings") -> np.ndarray:
    """`x` as a 2-D float32 array, or a clear error."""
    arr = np.asarray(x)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise EmbeddingError(f"{name} must be a [N, D] matrix with D > 0; got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number):
        raise EmbeddingError(f"{name} must be numeric; got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def normalise_rows(
    x: np.ndarray, *, name: str = "embeddings", in_place: bool = False, chunk: int = 65536
) -> np.ndarray:
    """Rows scaled to unit L2 norm (float32). Refuses non-finite values and zero rows.

    With `in_place` (and a float32 C-contiguous input) no copy is made, so a million 1024-wide
    rows need no second 4 GB; the work goes in chunks to bound temporaries.
    """
    arr = as_matrix(x, name)
    if not (in_place and arr is x):
        arr = arr.copy()
    for start in range(0, arr.shape[0], chunk):
        block = arr[start : start + chunk]
        if not np.isfinite(block).all():
            bad = start + int(np.flatnonzero(~np.isfinite(block).all(axis=1))[0])
            raise EmbeddingError(f"{name} row {bad} is not finite (NaN or infinity)")
        norms = np.linalg.norm(block, axis=1)
        if (norms == 0).any():
            bad = start + int(np.flatnonzero(norms == 0)[0])
            raise EmbeddingError(f"{name} row {bad} is all zeros: it has no direction to compare")
        block /= norms[:, None]
    return arr


def as_ids(ids: np.ndarray | Sequence[int], n: int) -> np.ndarray:
    """Row ids as a unique int64 vector of length `n`."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise EmbeddingError(f"expected {n} ids (one per row); got shape {arr.shape}")
    if n and not np.issubdtype(arr.dtype, np.integer):
        raise EmbeddingError(f"ids must be integers; got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n and (arr < 0).any():
        raise EmbeddingError("ids must be non-negative (-1 marks an empty result slot)")
    if np.unique(arr).shape[0] != n:
        raise EmbeddingError("ids must be unique: one row per image")
    return arr
