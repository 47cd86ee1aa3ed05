"""Saving and loading an index atomically: immutable data files plus a manifest swapped in last.

An index named NAME in a folder is
    NAME.json                    the manifest: kind, sizes, the data files of this generation, meta
    NAME.<generation>.ids.npy    the id map (int64 image ids, row order)
    NAME.<generation>.npy        an exact index's unit rows (float32), memory-mapped on load, or
    NAME.<generation>.faiss      a FAISS index, memory-mapped on load
Every file is written to a temporary name, flushed to disk and renamed into place; the manifest
goes last, so a reader sees either the old generation or the new one, never half of one. The
previous generation is kept (a reader may still be opening it) and older ones are deleted.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ml.retrieval.approximate import FaissIndex
from ml.retrieval.errors import IndexFileError
from ml.retrieval.exact import ExactIndex
from ml.retrieval.results import VectorIndex

FORMAT = 1
NAME = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


@dataclass
class LoadedIndex:
    index: VectorIndex
    manifest: dict[str, Any]
    generation: str
    meta: dict[str, Any] = field(default_factory=dict)


def _check_name(name: str) -> str:
    if not NAME.match(name):
        raise IndexFileError(f"an index name may hold letters, digits, '-' and '_' only; got {name!r}")
    return name


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_npy(array: np.ndarray) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)

    return write


def manifest_path(folder: Path, name: str) -> Path:
    return Path(folder) / f"{_check_name(name)}.json"


def save_index(folder: Path, name: str, index: VectorIndex, meta: dict[str, Any] | None = None) -> Path:
    """Write `index` as the new generation of NAME in `folder`; returns the manifest path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    generation = f"{time.time_ns():x}{secrets.token_hex(2)}"
    stem = f"{_check_name(name)}.{generation}"
    files = {"ids": f"{stem}.ids.npy"}
    _atomic_write(folder / files["ids"], _write_npy(np.asarray(index.ids, dtype=np.int64)))
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "kind": index.kind,
        "generation": generation,
        "size": index.size,
        "dim": index.dim,
        "meta": meta or {},
    }
    if isinstance(index, ExactIndex):
        files["vectors"] = f"{stem}.npy"
        _atomic_write(folder / files["vectors"], _write_npy(np.asarray(index.vectors, dtype=np.float32)))
    elif isinstance(index, FaissIndex):
        files["faiss"] = f"{stem}.faiss"
        _atomic_write(folder / files["faiss"], index.write)
        manifest |= {"nprobe": index.nprobe, "encoding": index.encoding, "nlist": index.nlist}
    else:
        raise IndexFileError(f"cannot save an index of kind {getattr(index, 'kind', type(index).__name__)}")
    manifest["files"] = files
    path = manifest_path(folder, name)
    previous = _read_manifest(path) if path.exists() else None
    _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True)))
    keep = {generation} | ({previous.get("generation")} if previous else set())
    _prune(folder, name, keep)
    return path


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"cannot read the index manifest {path.name}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "files" not in manifest:
        raise IndexFileError(f"{path.name} is not an index manifest of format {FORMAT}: rebuild the index")
    return manifest


def load_index(folder: Path, name: str, *, mmap: bool = True) -> LoadedIndex | None:
    """The current generation of NAME in `folder`, or None when none was saved."""
    path = manifest_path(Path(folder), name)
    if not path.exists():
        return None
    manifest = _read_manifest(path)
    files = manifest["files"]
    mode = "r" if mmap else None
    try:
        ids = np.load(Path(folder) / files["ids"], allow_pickle=False)
        if manifest["kind"] == ExactIndex.kind:
            vectors = np.load(Path(folder) / files["vectors"], mmap_mode=mode, allow_pickle=False)
            index: VectorIndex = ExactIndex(ids, vectors, normalised=True)
        elif manifest["kind"] == FaissIndex.kind:
            index = FaissIndex.read(
                Path(folder) / files["faiss"],
                ids,
                nprobe=manifest["nprobe"],
                encoding=manifest["encoding"],
                mmap=mmap,
            )
        else:
            raise IndexFileError(f"{path.name} names an unknown index kind {manifest['kind']!r}")
    except (OSError, ValueError, KeyError) as exc:
        raise IndexFileError(
            f"index {name} generation {manifest.get('generation')} is unreadable: {exc}"
        ) from exc
    if index.size != manifest["size"] or index.dim != manifest["dim"]:
        raise IndexFileError(
            f"index {name} holds {index.size}x{index.dim} vectors but its manifest says "
            f"{manifest['size']}x{manifest['dim']}: rebuild it"
        )
    return LoadedIndex(
        index=index, manifest=manifest, generation=manifest["generation"], meta=manifest["meta"]
    )


def delete_index(folder: Path, name: str) -> int:
    """Remove NAME's manifest and every generation of its data; returns the files removed."""
    path = manifest_path(Path(folder), name)
    removed = 0
    if path.exists():
        path.unlink()
        removed += 1
    return removed + _prune(Path(folder), name, keep=set())


def _prune(folder: Path, name: str, keep: set[str]) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    pattern = re.compile(rf"^{re.escape(name)}\.([0-9a-f]+)\.(ids\.npy|npy|faiss)$")
    for entry in folder.iterdir():
        m = pattern.match(entry.name)
        if m and m.group(1) not in keep:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
