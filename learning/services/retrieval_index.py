"""Similar-case indexes per model version: building, storing, loading (the embeddings come as
arrays from learning.bridge.embeddings).

One index per model version holds the stored embeddings of the dataset's images whose final
labels are published (adjudicated, item done or never queued) at build time. It lives in
ARBITER_MODEL_DIR/retrieval/ as ml.retrieval.store files (swapped in atomically) and is
exact up to ARBITER_RETRIEVAL_EXACT_MAX vectors (default 50,000), a FAISS IVF index past it.
Images adjudicated after the build are searched exactly beside it (the "unindexed" rows), so a
stale index is never wrong, only slower; `retrieval_indexes_stale` names the ones to rebuild.
A retired model version's index is deleted and never served.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotations.models import Dataset, Image, Job, Label
from annotations.models.choices import JobKind, LabelSource, ModelStatus, WorkState
from annotations.services.jobs.dispatch import task_send
from learning.bridge.embeddings import embeddings_of
from learning.models import ModelVersion, Prediction
from learning.services.models.kinds import FINDING_KINDS
from ml.retrieval import (
    DEFAULT_EXACT_MAX,
    LoadedIndex,
    RetrievalError,
    build_index,
    delete_index,
    load_index,
    save_index,
)

log = logging.getLogger(__name__)

# Models whose penultimate features describe findings (the detectors' describe orientation).
EMBEDDING_KINDS: tuple[str, ...] = FINDING_KINDS
# A stale index: more than this many published images with embeddings are missing from it, and
# more than STALE_SHARE of its size.
STALE_MIN_ROWS = 500
STALE_SHARE = 0.1

_served: dict[int, tuple[int, LoadedIndex]] = {}


def retrieval_dir() -> Path:
    return Path(settings.ARBITER_MODEL_DIR) / "retrieval"


def exact_max() -> int:
    return int(getattr(settings, "ARBITER_RETRIEVAL_EXACT_MAX", DEFAULT_EXACT_MAX))


def index_name(model_version: ModelVersion) -> str:
    return f"ds{model_version.dataset_id}-{model_version.kind}-v{model_version.number}-mv{model_version.pk}"


def published_images(dataset: Dataset | int) -> QuerySet[Image]:
    """Images of the dataset with published final labels: adjudicated, and the item done (or never
    queued: imported expert labels). What the similar-cases panel may show."""
    adjudicated = Label.objects.filter(image=OuterRef("pk"), source=LabelSource.ADJUDICATED)
    return Image.objects.filter(dataset=dataset).filter(
        Q(work_item__isnull=True) | Q(work_item__state=WorkState.DONE), Exists(adjudicated)
    )


def unindexed_images(model_version: ModelVersion, since: datetime) -> QuerySet[Image]:
    """Published images that may be missing from an index built from a snapshot taken at `since`:
    labels decided, item completed or embedding stored after it (the caller drops the ids the
    index holds)."""
    newer = (
        Q(
            Exists(
                Label.objects.filter(
                    image=OuterRef("pk"), source=LabelSource.ADJUDICATED, created_at__gt=since
                )
            )
        )
        | Q(work_item__updated_at__gt=since)
        | Q(
            Exists(
                Prediction.objects.filter(
                    image=OuterRef("pk"), model_version=model_version, created_at__gt=since
                )
            )
        )
    )
    return published_images(model_version.dataset_id).filter(newer)


def retrieval_index_build(model_version_id: int) -> dict:
    """Build (or rebuild) the model version's index; idempotent. A retired version's index is
    deleted instead. Returns a summary for the task result."""
    mv = ModelVersion.objects.filter(pk=model_version_id).first()
    if mv is None:
        return {"model_version": model_version_id, "status": "missing"}
    name = index_name(mv)
    if mv.status == ModelStatus.RETIRED:
        removed = delete_index(retrieval_dir(), name)
        return {"model_version": mv.pk, "status": "retired", "files_removed": removed}
    started = time.monotonic()
    snapshot_at = timezone.now()
    try:
        ids, vectors = embeddings_of(mv, published_images(mv.dataset_id))
        if ids.size == 0:
            delete_index(retrieval_dir(), name)
            _served.pop(mv.pk, None)
            return {"model_version": mv.pk, "status": "empty", "size": 0}
        index = build_index(ids, vectors, exact_max=exact_max())
    except RetrievalError as exc:
        log.error("retrieval index for model version %s not built: %s", mv.pk, exc)
        return {"model_version": mv.pk, "status": "failed", "error": str(exc)}
    meta = {"model_version": mv.pk, "snapshot_at": snapshot_at.isoformat(), "tag": mv.version_tag}
    save_index(retrieval_dir(), name, index, meta)
    pruned = retrieval_indexes_prune(mv.dataset_id)
    return {
        "model_version": mv.pk,
        "status": "built",
        "kind": index.kind,
        "size": index.size,
        "dim": index.dim,
        "seconds": round(time.monotonic() - started, 3),
        "retired_indexes_removed": pruned,
    }


def retrieval_indexes_prune(dataset: Dataset | int | None = None) -> int:
    """Delete the index files of retired model versions (of one dataset, or all)."""
    retired = ModelVersion.objects.filter(status=ModelStatus.RETIRED)
    if dataset is not None:
        retired = retired.filter(dataset=dataset)
    removed = 0
    for mv in retired:
        removed += delete_index(retrieval_dir(), index_name(mv))
        _served.pop(mv.pk, None)
    return removed


def served_index(model_version: ModelVersion) -> LoadedIndex | None:
    """The saved index of the model version (memory-mapped, cached per process), or None when
    there is none: none built yet, or the version is retired."""
    if model_version.status == ModelStatus.RETIRED:
        return None
    path = retrieval_dir() / f"{index_name(model_version)}.json"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        _served.pop(model_version.pk, None)
        return None
    cached = _served.get(model_version.pk)
    if cached and cached[0] == stamp:
        return cached[1]
    loaded = load_index(retrieval_dir(), index_name(model_version))
    if loaded is None:
        return None
    _served[model_version.pk] = (stamp, loaded)
    return loaded


def index_snapshot_at(loaded: LoadedIndex) -> datetime:
    return datetime.fromisoformat(loaded.meta["snapshot_at"])


def retrieval_index_stale(model_version: ModelVersion) -> bool:
    """True when the version has published embeddings and no index, or one missing many of them."""
    loaded = served_index(model_version)
    if loaded is None:
        return embeddings_of_count(model_version) > 0
    missing = unindexed_images(model_version, index_snapshot_at(loaded))
    missing_ids = np.fromiter(missing.values_list("pk", flat=True), dtype=np.int64)
    n_missing = int((~np.isin(missing_ids, loaded.index.ids)).sum())
    return n_missing > max(STALE_MIN_ROWS, STALE_SHARE * loaded.index.size)


def embeddings_of_count(model_version: ModelVersion) -> int:
    return Prediction.objects.filter(
        model_version=model_version,
        embedding__isnull=False,
        image__in=published_images(model_version.dataset_id),
    ).count()


def retrieval_indexes_stale() -> list[int]:
    """Model version ids whose index should be (re)built now: production versions of the embedding
    kinds with a stale or missing index (a candidate's is built when asked for)."""
    versions = ModelVersion.objects.filter(kind__in=EMBEDDING_KINDS, status=ModelStatus.PRODUCTION).order_by(
        "pk"
    )
    return [mv.pk for mv in versions if retrieval_index_stale(mv)]


def retrieval_index_job_start(model_version_id: int) -> Job | None:
    """Queue the version's index build as a Job (heartbeat, cancel, the reaper: see
    annotations.services.jobs.lifecycle); None when the version no longer exists."""
    mv = ModelVersion.objects.filter(pk=model_version_id).only("dataset_id").first()
    if mv is None:
        return None
    job = Job.objects.create(
        kind=JobKind.INDEX, dataset_id=mv.dataset_id, params={"model_version": model_version_id}
    )
    transaction.on_commit(lambda: task_send("learning.build_retrieval_index", model_version_id, job.pk))
    return job
