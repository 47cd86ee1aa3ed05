"""The preprocessing cache: decode an image once, keep its resized array on disk.

Keyed by a caller-chosen string (for instance the image's pixel checksum). One small raw file per key,
under a namespace per input size and stored dtype (`<root>/224px-uint8/ab/abcdef....raw`), so models of
different sizes never collide. A re-score after retraining reads these files instead of decoding DICOM
or PNG again. Writes are atomic (temp file + rename), so concurrent workers filling the same cache can
only ever see whole entries; an entry of the wrong length is treated as a miss and rewritten.

Reads go straight into the caller's batch array (`readinto`, no intermediate bytes), and `fetch`
hands each thread one contiguous run of keys rather than one task per key: per-task overhead under
the GIL, not the disk, is what limits a thread pool reading thousands of 50 KB files a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.inference.preprocess import STORE_DTYPES, prepare
from ml.nets.errors import InputError

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
        self._root = str(self.root)
        self.nbytes = self.size * self.size * self.np_dtype.itemsize
        self.stats = CacheStats()
        self._lock = threading.Lock()

    def _path(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise InputError(f"cache keys are non-empty strings, got {key!r}")
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return f"{self._root}/{digest[:2]}/{digest}.raw"

    def path(self, key: str) -> Path:
        """Where the entry for `key` lives."""
        return Path(self._path(key))

    def _read_into(self, key: str, dst: np.ndarray) -> bool:
        """Fill `dst` (C-contiguous, cache shape and dtype) from the entry; False on a missing/bad one."""
        try:
            with open(self._path(key), "rb", buffering=0) as fh:
                got = fh.readinto(memoryview(dst).cast("B"))
                trailing = fh.read(1)
        except FileNotFoundError:
            return False
        return got == self.nbytes and not trailing

    def get(self, key: str) -> np.ndarray | None:
        """The cached array for `key`, or None (missing or damaged entry)."""
        out = np.empty((self.size, self.size), dtype=self.np_dtype)
        return out if self._read_into(key, out) else None

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
                fh.write(memoryview(arr).cast("B"))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def __contains__(self, key: str) -> bool:
        p = self.path(key)
        return p.is_file() and p.stat().st_size == self.nbytes

    def _fill(self, key: str, dst: np.ndarray, decode: Decoder) -> None:
        """Cached entry into `dst`, or decode + prepare + store it (cold path)."""
        if self._read_into(key, dst):
            with self._lock:
                self.stats.hits += 1
            return
        with self._lock:
            self.stats.misses += 1
            self.stats.decode_calls += 1
        arr = prepare(decode(key), self.size, self.dtype)
        self.put(key, arr)
        dst[...] = arr

    def get_or_prepare(self, key: str, decode: Decoder) -> np.ndarray:
        """The cached array, or decode + prepare + store it (cold path)."""
        out = np.empty((self.size, self.size), dtype=self.np_dtype)
        self._fill(key, out, decode)
        return out

    def fetch(
        self,
        keys: Sequence[str],
        decode: Decoder,
        *,
        workers: int = 1,
        pool: ThreadPoolExecutor | None = None,
    ) -> np.ndarray:
        """`[N, size, size]` arrays for `keys`, decoding only the misses.

        The keys are split into `workers` contiguous runs, one task each, run on `pool` (or a pool of
        `workers` threads made for the call); file reads, PNG/DICOM decoding and resizing release the
        GIL for most of their time.
        """
        out = np.empty((len(keys), self.size, self.size), dtype=self.np_dtype)

        def one(i: int) -> None:
            self._fill(keys[i], out[i], decode)

        run_spans(len(keys), one, workers=workers, pool=pool)
        return out


def run_spans(
    n: int, fn: Callable[[int], None], *, workers: int, pool: ThreadPoolExecutor | None = None
) -> None:
    """Call `fn(i)` for i in range(n), split into `workers` contiguous runs on a thread pool."""
    if workers <= 1 or n < 2:
        for i in range(n):
            fn(i)
        return

    def span(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            fn(i)

    bounds = np.linspace(0, n, min(workers, n) + 1).astype(int)
    with contextlib.ExitStack() as stack:
        ex = pool if pool is not None else stack.enter_context(ThreadPoolExecutor(max_workers=workers))
        futures = [ex.submit(span, int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds)]
        for f in futures:
            f.result()
