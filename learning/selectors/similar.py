"""Similar adjudicated cases and the same patient's priors, for the reading and adjudication screens.

Similar cases: the k images of the same dataset whose stored embeddings (of the production model,
or a given version) are nearest by cosine similarity, among images with published final labels,
never the image itself nor any image of its patient (those are priors), with their final labels
and how each was reached.

Blinding is decided by annotations.access.blinding (access_similar_cases, access_prior_labels): while
the user holds an unsubmitted first read (round 0) of the image and the dataset does not show similar
cases on first read, similar cases are refused (403) and the priors come without labels, so nothing
anchors the blinded read. No reader's labels ever appear here: only published final labels and NLP
labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Prefetch

from annotations.access.blinding import access_prior_labels, access_similar_cases
from annotations.access.datasets import access_image
from annotations.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from annotations.models import Dataset, Image, Label, Study
from annotations.models.choices import LabelSource, LabelValue, Modality, ModelKind, ModelStatus
from annotations.selectors.final_labels import current_final_labels
from annotations.services.adjudication.final_labels import most_contested
from learning.bridge.embeddings import embeddings_of
from learning.models import ModelVersion, Prediction
from learning.services.models.kinds import FINDING_KINDS
from learning.services.retrieval_index import (
    index_snapshot_at,
    published_images,
    served_index,
    unindexed_images,
)
from ml.retrieval import ExactIndex, RetrievalError, decode_embedding, merge_top_k, search_filtered

DEFAULT_K = 10
MAX_K = 50
# The model whose embeddings describe a modality's findings, in order of preference.
KIND_PREFERENCE = {
    Modality.CHEST_XRAY: (ModelKind.CHEXNET, ModelKind.OCT),
    Modality.OCT: (ModelKind.OCT, ModelKind.CHEXNET),
}
BLINDED_MESSAGE = (
    "Similar cases are hidden while you read this image blind (this dataset's policy); "
    "they appear once you submit your first read."
)


def parse_k(raw) -> int:
    if raw in (None, ""):
        return DEFAULT_K
    try:
        k = int(raw)
    except (TypeError, ValueError):
        raise InvalidInputError(f"k must be a whole number from 1 to {MAX_K}; got {raw!r}") from None
    if not 1 <= k <= MAX_K:
        raise InvalidInputError(f"k must be a whole number from 1 to {MAX_K}; got {k}")
    return k


def retrieval_model_version(dataset: Dataset, model_version_id=None) -> ModelVersion:
    """The given model version of the dataset, else its production embedding model."""
    versions = ModelVersion.objects.filter(dataset=dataset)
    if model_version_id not in (None, ""):
        try:
            pk = int(model_version_id)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"model_version must be a model version id; got {model_version_id!r}"
            ) from None
        mv = versions.filter(pk=pk).first()
        if mv is None:
            raise NotFoundError("No such model version in this dataset.")
        return mv
    kinds = KIND_PREFERENCE.get(dataset.modality, FINDING_KINDS)
    production = {mv.kind: mv for mv in versions.filter(status=ModelStatus.PRODUCTION, kind__in=kinds)}
    for kind in kinds:
        if kind in production:
            return production[kind]
    raise ConflictError(
        "This dataset has no production model yet, so there are no embeddings to compare; "
        "promote a model (or pass model_version).",
        code="no_model",
    )


def query_embedding(image: Image, model_version: ModelVersion) -> np.ndarray:
    blob = (
        Prediction.objects.filter(image=image, model_version=model_version)
        .values_list("embedding", flat=True)
        .first()
    )
    if blob is None:
        raise ConflictError(
            f"Model {model_version.version_tag} has not scored this image yet, so it has no "
            "embedding to compare; try again after scoring.",
            code="no_embedding",
        )
    try:
        return decode_embedding(blob)
    except RetrievalError as exc:
        raise ConflictError(
            f"This image's stored embedding is unusable: {exc}", code="bad_embedding"
        ) from exc


def _search(image: Image, mv: ModelVersion, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """The k best (ids, scores) among published images outside the patient, and how they were found."""
    pool = published_images(image.dataset_id).exclude(study__patient_id=image.study.patient_id)

    def accept(candidates: np.ndarray) -> np.ndarray:
        ok = set(pool.filter(pk__in=candidates.tolist()).values_list("pk", flat=True))
        return np.fromiter((c in ok for c in candidates.tolist()), dtype=bool, count=candidates.size)

    loaded = served_index(mv)
    try:
        if loaded is None:
            ids, vectors = embeddings_of(mv, pool)
            info = {"method": "exact", "index_generation": None, "indexed": 0, "unindexed": int(ids.size)}
            if ids.size == 0:
                return ids, np.zeros(0, dtype=np.float32), info
            found = ExactIndex(ids, vectors).search(query, k).row(0)
            return *found, info
        parts = [search_filtered(loaded.index, query, k, accept)]
        delta_ids, delta_vectors = embeddings_of(mv, unindexed_images(mv, index_snapshot_at(loaded)) & pool)
        fresh = ~np.isin(delta_ids, loaded.index.ids)
        if fresh.any():
            parts.append(ExactIndex(delta_ids[fresh], delta_vectors[fresh]).search(query, k).row(0))
    except RetrievalError as exc:
        raise ConflictError(
            f"Similar cases cannot be searched with {mv.version_tag}: {exc}", code="retrieval_failed"
        ) from exc
    info = {
        "method": loaded.index.kind,
        "index_generation": loaded.generation,
        "indexed": loaded.index.size,
        "unindexed": int(fresh.sum()),
    }
    return *merge_top_k(parts, k), info


def _final_labels_by_image(image_ids: list[int]) -> dict[int, list[dict]]:
    """Each image's current final labels (adjudicated versions nothing supersedes)."""
    out: dict[int, list[dict]] = {i: [] for i in image_ids}
    labels = current_final_labels(image_ids=image_ids).select_related("finding", "provenance")
    for lb in sorted(labels, key=lambda lb: (lb.finding.order, lb.finding_id)):
        prov = getattr(lb, "provenance", None)
        out[lb.image_id].append(
            {
                "finding": lb.finding.key,
                "value": lb.value,
                "version": lb.source_version,
                "how_reached": prov.how_reached if prov else None,
                "rounds": prov.rounds if prov else 0,
            }
        )
    return out


def _thumbnail_url(image_id: int) -> str:
    return f"/api/v1/images/{image_id}/thumbnail/"


def similar_cases(user, image_id, *, k=DEFAULT_K, model_version_id=None) -> dict:
    """The k most similar already-adjudicated images (see the module docstring)."""
    image = access_image(user, image_id)
    k = parse_k(k)
    if not access_similar_cases(user, image):
        raise ForbiddenError(BLINDED_MESSAGE, code="blinded_first_read")
    mv = retrieval_model_version(image.dataset, model_version_id)
    query = query_embedding(image, mv)
    ids, scores, info = _search(image, mv, query, k)
    id_list = ids.tolist()
    rows = {im.pk: im for im in Image.objects.filter(pk__in=id_list).only("id", "study_id", "view_position")}
    labels = _final_labels_by_image(id_list)
    results = []
    for rank, (i, score) in enumerate(zip(id_list, scores.tolist(), strict=True), start=1):
        lbs = labels.get(i, [])
        reached = [lb["how_reached"] for lb in lbs if lb["how_reached"]]
        results.append(
            {
                "rank": rank,
                "image": i,
                "study": rows[i].study_id,
                "view_position": rows[i].view_position,
                "similarity": round(float(score), 6),
                "thumbnail_url": _thumbnail_url(i),
                "positive_findings": [lb["finding"] for lb in lbs if lb["value"] == "positive"],
                "how_reached": most_contested(reached) if reached else None,
                "labels": lbs,
            }
        )
    return {
        "image": image.pk,
        "dataset": image.dataset_id,
        "k": k,
        "model_version": {"id": mv.pk, "tag": mv.version_tag, "status": mv.status},
        "search": info,
        "results": results,
    }


def _relation(current: date | None, other: date | None) -> str:
    if current is None or other is None:
        return "undated"
    if other < current:
        return "prior"
    return "later" if other > current else "same_day"


def _nlp_labels_by_image(image_ids: list[int]) -> dict[int, list[dict]]:
    """The latest NLP label per finding of each image."""
    latest: dict[int, dict[int, Label]] = {}
    qs = Label.objects.filter(image_id__in=image_ids, source=LabelSource.NLP).select_related("finding")
    for lb in qs.order_by("created_at", "id"):
        latest.setdefault(lb.image_id, {})[lb.finding_id] = lb
    return {
        image_id: [
            {"finding": lb.finding.key, "value": lb.value, "source_version": lb.source_version}
            for lb in sorted(by_finding.values(), key=lambda lb: (lb.finding.order, lb.finding_id))
        ]
        for image_id, by_finding in latest.items()
    }


def priors(user, image_id) -> dict:
    """The same patient's other studies, oldest first (undated last), with each image's labels:
    published final labels where there are some, else NLP labels (when the dataset shows NLP)."""
    image = access_image(user, image_id)
    dataset = image.dataset
    allowed = access_prior_labels(user, image)
    hide = not allowed.labels
    current = image.study
    studies = sorted(
        Study.objects.filter(patient_id=current.patient_id)
        .exclude(pk=current.pk)
        .prefetch_related(Prefetch("images", queryset=Image.objects.order_by("id"))),
        key=lambda s: (s.study_date is None, s.study_date or date.min, s.pk),
    )
    image_ids = [im.pk for s in studies for im in s.images.all()]
    final: dict[int, list[dict]] = {}
    nlp: dict[int, list[dict]] = {}
    if not hide and image_ids:
        published = set(published_images(dataset).filter(pk__in=image_ids).values_list("pk", flat=True))
        final = _final_labels_by_image(sorted(published))
        if allowed.nlp:
            nlp = _nlp_labels_by_image([i for i in image_ids if not final.get(i)])

    def image_entry(im: Image) -> dict:
        if final.get(im.pk):
            source, labels = "adjudicated", final[im.pk]
        elif nlp.get(im.pk):
            source, labels = "nlp", nlp[im.pk]
        else:
            source, labels = None, []
        return {
            "id": im.pk,
            "view_position": im.view_position,
            "thumbnail_url": _thumbnail_url(im.pk),
            "label_source": source,
            "labels": labels,
        }

    return {
        "image": image.pk,
        "study": {"id": current.pk, "study_date": current.study_date},
        "labels_hidden": hide,
        "labels_hidden_reason": (
            "Labels of priors are hidden while you read this image blind (this dataset's policy)."
            if hide
            else None
        ),
        "studies": [
            {
                "id": s.pk,
                "study_date": s.study_date,
                "relation": _relation(current.study_date, s.study_date),
                "modality": s.modality,
                "description": s.description,
                "images": [image_entry(im) for im in s.images.all()],
            }
            for s in studies
        ],
    }


@dataclass(frozen=True)
class EvaluationPool:
    """The adjudicated set of a dataset as arrays: what `evaluate_retrieval` scores."""

    image_ids: np.ndarray  # [N]
    vectors: np.ndarray  # [N, D]
    positive: np.ndarray  # [N, F] bool: the current final label is positive
    groups: np.ndarray  # [N] patient ids
    findings: list[str]


def evaluation_pool(dataset: Dataset, model_version: ModelVersion) -> EvaluationPool:
    """Published images with an embedding of the model version, their final labels and patients."""
    ids, vectors = embeddings_of(model_version, published_images(dataset))
    findings = list(dataset.schema.findings.order_by("order", "id").values_list("key", flat=True))
    column = {key: j for j, key in enumerate(findings)}
    row = {int(i): r for r, i in enumerate(ids.tolist())}
    positive = np.zeros((ids.size, len(findings)), dtype=bool)
    for image_id, key, value in current_final_labels(image_ids=list(row)).values_list(
        "image_id", "finding__key", "value"
    ):
        if value == LabelValue.POSITIVE and key in column:
            positive[row[image_id], column[key]] = True
    patients = dict(Image.objects.filter(pk__in=list(row)).values_list("pk", "study__patient_id"))
    groups = np.asarray([patients[i] for i in ids.tolist()], dtype=np.int64)
    return EvaluationPool(image_ids=ids, vectors=vectors, positive=positive, groups=groups, findings=findings)
