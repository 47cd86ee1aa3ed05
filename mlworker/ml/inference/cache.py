"""The preprocessing cache: decode an image once, keep its resized array on disk.

Keyed by a caller-chosen string (for instance the image's pixel checksum). One small raw file per key,
under a namespace per input size and stored dtype (`<root>/224px-uint8/ab/abcdef....raw`), so models of
different sizes never collide. A re-score after retraining reads these files instead of decoding DICOM
or PNG again. Writes are atomic (temp file + rename), so concurrent workers filling the same cache can
only ever see whole entries; an entry of the wrong length is treated as a miss and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlworker.ml.inference.preprocess import STORE_DTYPES, prepare
from mlworker.ml.nets.errors import InputError

Decoder = Callable[[str], np.ndarray]


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    decode_calls: int = 0


class PreprocessCache:
    """Resized model-input arrays on disk, one file per cache key."""

    def __init__(self, root: str | Path, size: int, dtype: str = "uint8") -> None:
        if dtype not in STORE_DTYPES:
            raise InputError(f"unknown cache dtype {dtype!r}; choose one of {sorted(STORE_DTYPES)}")
        self.size = int(size)
        self.dtype = dtype
        self.np_dtype = STORE_DTYPES[dtype]
        self.root = Path(root) / f"{self.size}px-{dtype}"
        self.nbytes = self.size * self.size * self.np_dtype.itemsize
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def path(self, key: str) -> Path:
        if not isinstance(key, str) or not key:
            raise InputError(f"cache keys are non-empty strings, got {key!r}")
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / digest[:2] / f"{digest}.raw"

    def get(self, key: str) -> np.ndarray | None:
        """The cached array for `key`, or None (missing or damaged entry)."""
        try:
            data = self.path(key).read_bytes()
        except FileNotFoundError:
            return None
        if len(data) != self.nbytes:
            return None
        return np.frombuffer(data, dtype=self.np_dtype).reshape(self.size, self.size)

    def put(self, key: str, arr: np.ndarray) -> None:
        """Store an already prepared array (shape `size` x `size`, the cache's dtype) atomically."""
        arr = np.ascontiguousarray(arr)
        if arr.shape != (self.size, self.size) or arr.dtype != self.np_dtype:
            raise InputError(
                f"cache entry must be {self.size}x{self.size} {self.dtype}, got {arr.shape} {arr.dtype}"
            )
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(arr.tobytes())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def __contains__(self, key: str) -> bool:
        p = self.path(key)
        return p.is_file() and p.stat().st_size == self.nbytes

    def get_or_prepare(self, key: str, decode: Decoder) -> np.ndarray:
        """The cached array, or decode + prepare + store it (cold path)."""
        arr = self.get(key)
        if arr is not None:
            with self._lock:
                self.stats.hits += 1
            return arr
        with self._lock:
            self.stats.misses += 1
            self.stats.decode_calls += 1
        arr = prepare(decode(key), self.size, self.dtype)
        self.put(key, arr)
        return arr

    def fetch(
        self,
        keys: Sequence[str],
        decode: Decoder,
        *,
        workers: int = 1,
        pool: ThreadPoolExecutor | None = None,
    ) -> np.ndarray:
        """`[N, size, size]` arrays for `keys`, decoding only the misses.

        File reads and decodes run on `pool` (or a pool of `workers` threads) when given: both release
        the GIL for most of their time.
        """
        out = np.empty((len(keys), self.size, self.size), dtype=self.np_dtype)

        def one(i: int) -> None:
            out[i] = self.get_or_prepare(keys[i], decode)

        if pool is not None and len(keys) > 1:
            list(pool.map(one, range(len(keys))))
        elif workers > 1 and len(keys) > 1:
            with ThreadPoolExecutor(max_workers=workers) as own:
                list(own.map(one, range(len(keys))))
        else:
            for i in range(len(keys)):
                one(i)
        return out
