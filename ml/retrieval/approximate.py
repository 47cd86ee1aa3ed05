"""The approximate index: FAISS IVF (inverted file) with inner product on unit vectors.

A k-means coarse quantiser splits the vectors into `nlist` cells; a query scans only the
`nprobe` cells nearest to it. Vectors are stored 8-bit scalar-quantised by default ("SQ8": a
quarter of float32's memory, cosine error ~1e-3), or as float32 ("Flat"), or product-quantised
("PQ64" and the like) for very large sets. FAISS keeps the image ids itself (`add_with_ids`), and
a saved index can be memory-mapped, so several web processes share one copy in the page cache.

FAISS is imported lazily: without `faiss-cpu` the exact index still works and building an
approximate one raises `BackendUnavailableError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ml.retrieval.errors import BackendUnavailableError, EmbeddingError, IndexFileError
from ml.retrieval.exact import check_k
from ml.retrieval.results import SearchResult, empty_result
from ml.retrieval.vectors import as_ids, as_matrix, normalise_rows

ENCODING = re.compile(r"^(Flat|SQ8|SQ4|SQfp16|PQ\d+)$")
MIN_APPROXIMATE_SIZE = 256  # below this an IVF index cannot be trained sensibly: use the exact one


def faiss_module() -> Any:
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise BackendUnavailableError(
            "the approximate index needs FAISS: install the pinned faiss-cpu, or keep data sets "
            "under the exact-search threshold"
        ) from exc
    return faiss


def faiss_available() -> bool:
    try:
        faiss_module()
    except BackendUnavailableError:
        return False
    return True


def default_nlist(n: int) -> int:
    """About 4 sqrt(N) cells, at most 1024 (k-means training cost grows with nlist x D)."""
    return int(min(1024, max(8, round(4 * math.sqrt(max(n, 1))))))


def default_nprobe(nlist: int) -> int:
    """Scan about a sixteenth of the cells, at least 8 (or all where there are fewer)."""
    return int(min(nlist, max(8, nlist // 16)))


@dataclass(frozen=True)
class IvfConfig:
    """How to build the IVF index; None picks the defaults above for the data size."""

    encoding: str = "SQ8"
    nlist: int | None = None
    nprobe: int | None = None
    # Vectors k-means trains on: 40 per cell (FAISS's own minimum is 39) unless given.
    train_size: int | None = None
    niter: int = 15
    seed: int = 0
    threads: int | None = None  # None: FAISS's default (every core)

    def __post_init__(self) -> None:
        if not ENCODING.match(self.encoding):
            raise EmbeddingError(
                f"unknown IVF encoding {self.encoding!r}: use Flat, SQ8, SQ4, SQfp16 or PQ<m>"
            )
        for name in ("nlist", "nprobe", "train_size", "threads"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise EmbeddingError(f"IvfConfig.{name} must be at least 1; got {value}")
        if self.niter < 1:
            raise EmbeddingError(f"IvfConfig.niter must be at least 1; got {self.niter}")

    def resolved(self, n: int) -> IvfConfig:
        nlist = min(self.nlist or default_nlist(n), max(1, n // 39))
        return replace(
            self,
            nlist=nlist,
            nprobe=min(nlist, self.nprobe or default_nprobe(nlist)),
            train_size=min(n, self.train_size or 40 * nlist),
        )


class FaissIndex:
    """An IVF index over unit vectors whose FAISS labels are the given ids."""

    kind = "faiss-ivf"

    def __init__(self, index: Any, ids: np.ndarray, *, nprobe: int, encoding: str) -> None:
        if index.ntotal != ids.shape[0]:
            raise IndexFileError(
                f"the index holds {index.ntotal} vectors but its id map {ids.shape[0]}: rebuild it"
            )
        self._index = index
        self._ids = ids
        self.nprobe = int(nprobe)
        self.encoding = encoding

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        config: IvfConfig | None = None,
        *,
        normalised: bool = False,
    ) -> FaissIndex:
        """Train the coarse quantiser (and the encoding) on a seeded sample, then add every vector."""
        faiss = faiss_module()
        x = vectors if normalised else normalise_rows(vectors)
        x = as_matrix(x)
        n, d = x.shape
        ids = as_ids(ids, n)
        if n < MIN_APPROXIMATE_SIZE:
            raise EmbeddingError(
                f"an IVF index needs at least {MIN_APPROXIMATE_SIZE} vectors; got {n} (use the exact index)"
            )
        cfg = (config or IvfConfig()).resolved(n)
        if cfg.encoding.startswith("PQ") and d % int(cfg.encoding[2:]):
            raise EmbeddingError(f"{cfg.encoding} needs a dimension divisible by {cfg.encoding[2:]}; D = {d}")
        if cfg.threads:
            faiss.omp_set_num_threads(cfg.threads)
        index = faiss.index_factory(d, f"IVF{cfg.nlist},{cfg.encoding}", faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = cfg.niter
        ivf.cp.seed = cfg.seed
        ivf.cp.max_points_per_centroid = max(1, math.ceil(cfg.train_size / cfg.nlist))
        rng = np.random.default_rng(cfg.seed)
        sample = np.sort(rng.choice(n, size=cfg.train_size, replace=False)) if cfg.train_size < n else None
        index.train(np.ascontiguousarray(x[sample]) if sample is not None else x)
        chunk = 65536
        for start in range(0, n, chunk):
            index.add_with_ids(np.ascontiguousarray(x[start : start + chunk]), ids[start : start + chunk])
        return cls(index, ids, nprobe=cfg.nprobe, encoding=cfg.encoding)

    @property
    def ids(self) -> np.ndarray:
        return self._ids

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def nlist(self) -> int:
        return int(faiss_module().extract_index_ivf(self._index).nlist)

    def search(self, queries: np.ndarray, k: int, *, nprobe: int | None = None) -> SearchResult:
        """The (approximately) k most similar ids per query; -1 pads when the scanned cells hold
        fewer than k vectors."""
        faiss = faiss_module()
        k = check_k(k)
        q = normalise_rows(as_matrix(queries, "queries"), name="queries")
        if q.shape[1] != self.dim:
            raise EmbeddingError(
                f"queries have {q.shape[1]} values per vector but the index holds {self.dim}: "
                "they come from different models"
            )
        out = empty_result(q.shape[0], k)
        if self.size == 0:
            return out
        params = faiss.SearchParametersIVF(nprobe=int(nprobe or self.nprobe))
        scores, ids = self._index.search(q, k, params=params)
        out.ids[:] = ids
        out.scores[:] = np.where(ids >= 0, scores, -np.inf)
        return out

    def write(self, path: Path) -> None:
        faiss_module().write_index(self._index, str(path))

    @classmethod
    def read(
        cls, path: Path, ids: np.ndarray, *, nprobe: int, encoding: str, mmap: bool = True
    ) -> FaissIndex:
        faiss = faiss_module()
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError as exc:
            raise IndexFileError(f"cannot read the FAISS index {path.name}: {exc}") from exc
        return cls(index, ids, nprobe=nprobe, encoding=encoding)
