"""Acquisition scores for a dataset's unread items, stored per (image, model version, strategy key),
and the reading queue re-prioritised from them.

`ranking_refresh` is what re-scoring calls after a model version's predictions are stored (and what
an admin can call after changing a dataset's weights):

1. The dataset's strategy comes from `Dataset.acquisition_weights` through
   `ml.acquisition.strategy_from_config`: `{}` is the random baseline; a dict of
   `strategy -> weight` (optionally with `diversity_weight` / `batch_size`) is a weighted
   combination; a dict with a `name` is a full strategy config.
2. Inputs, as arrays (read through learning.bridge.predictions and learning.bridge.labels): the
   model version's stored probabilities and embeddings (`Prediction`), the latest NLP label per
   image and finding (1 / 0 / -1 / blank), which items are already labelled (an adjudicated
   label, or an item past its first reads), and per-finding prevalence among labelled items (NLP
   prevalence while nothing is labelled yet).
3. Scores are stored under the strategy's `key` (`name@hash8`: a new config or formula is a new key)
   with the model version (none for model-free strategies such as random or NLP uncertainty), for
   the unlabelled items without an open QC flag. They are recomputed only when the model version or
   the key changed, or when an eligible item has no score yet (`force=True` recomputes anyway).
4. The reading queue takes the scores as priorities through `worklist_reprioritise` when they
   come from the production model (or need no model): scoring a candidate version stores its
   ranking for comparison without reordering what radiologists read.

Images with an open QC flag are not ranked: the worklist holds them on QC hold (and never serves
them for reading) until the flag is resolved; the next refresh scores them.
"""

import logging
import math

import numpy as np
from django.db import transaction

from annotations.errors import InvalidInputError, NotFoundError
from annotations.models import Dataset, Image, Job, QCFlag, WorkItem
from annotations.models.choices import (
    JobKind,
    LabelSource,
    ModelStatus,
    QCStatus,
    WorkState,
)
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.records import job_create
from annotations.services.reading.worklist import worklist_reprioritise
from learning.bridge.labels import final_label_matrix, stored_label_matrix
from learning.bridge.predictions import PredictionsMismatchError, prediction_arrays
from learning.models import ModelVersion, RankingScore
from learning.services.models.kinds import dataset_model, model_kind_for
from ml.acquisition import (
    AcquisitionError,
    AcquisitionInputs,
    Strategy,
    StrategyConfigError,
    acquire,
    strategy_from_config,
)
from ml.acquisition.config import RANDOM_CONFIG, config_from_weights

log = logging.getLogger(__name__)

CHUNK = 5000
# Items in these states are being (or have been) decided: not unread, never ranked.
DECIDING = (WorkState.ADJUDICATING, WorkState.AWAITING_ADJUDICATOR, WorkState.DONE, WorkState.EXCLUDED)


class RankingConfigError(InvalidInputError):
    code = "invalid_acquisition"


def acquisition_config(dataset: Dataset) -> dict:
    """The strategy config the dataset's `acquisition_weights` describe (see the module docstring)."""
    try:
        return config_from_weights(dataset.acquisition_weights or {})
    except StrategyConfigError as exc:
        raise RankingConfigError(str(exc)) from exc


def acquisition_strategy(dataset: Dataset) -> Strategy:
    try:
        return strategy_from_config(acquisition_config(dataset))
    except StrategyConfigError as exc:
        raise RankingConfigError(f"the dataset's acquisition weights are not usable: {exc}") from exc


def _prevalence(adj: np.ndarray, nlp: np.ndarray, labelled: np.ndarray) -> np.ndarray:
    """Per-finding positive share among labelled items' known values (NLP's while none is known)."""
    for source in (adj[labelled], nlp):
        known = (source == 0.0) | (source == 1.0)
        if known.any():
            with np.errstate(invalid="ignore"):
                prev = (source == 1.0).sum(axis=0) / known.sum(axis=0)
            return np.nan_to_num(prev, nan=0.0)
    return np.zeros(adj.shape[1])


def ranking_inputs(dataset: Dataset, model_version: ModelVersion | None) -> AcquisitionInputs:
    """The arrays a strategy scores, for every image with a prediction of `model_version` (every
    image of the dataset when None), in image id order. Unlabelled images with an open QC flag are
    left out altogether (they are on the QC worklist), so they take no place in a diverse batch."""
    spec = dataset_model(dataset)
    labels = spec.labels
    probs_arr = embeddings = None
    if model_version is not None:
        try:
            predicted = prediction_arrays(model_version, dataset, labels)
        except PredictionsMismatchError:
            raise RankingConfigError(
                f"stored predictions of model version {model_version.pk} do not match the dataset's "
                "findings; re-score the dataset with this version"
            ) from None
        ids, probs_arr, embeddings = predicted.ids, predicted.probs, predicted.embeddings
    else:
        ids = list(Image.objects.filter(dataset=dataset).order_by("pk").values_list("pk", flat=True))
    index = {pk: i for i, pk in enumerate(ids)}
    adj, _ = final_label_matrix(dataset, index, labels)
    nlp = stored_label_matrix(dataset, index, labels, sources=(LabelSource.NLP,))
    deciding = set(
        WorkItem.objects.filter(dataset=dataset, state__in=DECIDING).values_list("image_id", flat=True)
    )
    has_final = ~np.isnan(adj).all(axis=1)
    labelled = has_final | np.asarray([pk in deciding for pk in ids], dtype=bool)
    flagged = set(
        QCFlag.objects.filter(image__dataset=dataset, status=QCStatus.OPEN).values_list("image_id", flat=True)
    )
    keep = ~(np.asarray([pk in flagged for pk in ids], dtype=bool) & ~labelled)
    return AcquisitionInputs(
        ids=[pk for pk, k in zip(ids, keep, strict=True) if k],
        probs=probs_arr[keep] if probs_arr is not None else None,
        nlp=nlp[keep],
        embeddings=embeddings[keep] if embeddings is not None else None,
        labelled=labelled[keep],
        prevalence=_prevalence(adj, nlp, has_final),
        multilabel=spec.multilabel,
        findings=labels,
    )


def _resolve_model_version(dataset: Dataset, model_version_id: int | None) -> ModelVersion | None:
    if model_version_id is not None:
        mv = ModelVersion.objects.filter(pk=model_version_id, dataset=dataset).first()
        if mv is None:
            raise NotFoundError(f"Model version {model_version_id} is not a model of this dataset.")
        return mv
    kind = model_kind_for(dataset)
    return ModelVersion.objects.filter(dataset=dataset, kind=kind, status=ModelStatus.PRODUCTION).first()


def _scores_filter(dataset: Dataset, key: str, model_version: ModelVersion | None) -> dict:
    if model_version is None:
        return {"dataset": dataset, "strategy": key, "model_version__isnull": True}
    return {"dataset": dataset, "strategy": key, "model_version": model_version}


def ranking_refresh(*, dataset_id: int, model_version_id: int | None, force: bool = False) -> int:
    """Compute and store the dataset's acquisition scores (see the module docstring) and re-prioritise
    its reading queue (production or model-free rankings only); returns how many scores were
    written (0 when they were up to date).

    Without `model_version_id` the dataset's production model of its kind is used; a strategy that
    needs a model falls back to the random baseline while the dataset has none.
    """
    dataset = Dataset.objects.select_related("schema").filter(pk=dataset_id).first()
    if dataset is None:
        raise NotFoundError(f"Dataset {dataset_id} does not exist.")
    strategy = acquisition_strategy(dataset)
    mv = _resolve_model_version(dataset, model_version_id)
    if strategy.requires_model and mv is None:
        log.info(
            "dataset %s: strategy %s needs a model and there is none; ranking randomly",
            dataset.pk,
            strategy.key,
        )
        strategy = strategy_from_config(RANDOM_CONFIG)
    store_mv = mv if strategy.requires_model else None
    inputs = ranking_inputs(dataset, store_mv)
    wanted = {pk for pk, done in zip(inputs.ids, inputs.labelled, strict=True) if not done}
    where = _scores_filter(dataset, strategy.key, store_mv)
    written = 0
    have = set(RankingScore.objects.filter(**where).values_list("image_id", flat=True))
    if force or not wanted <= have:
        try:
            ranking = acquire(strategy, inputs)
        except AcquisitionError as exc:
            raise RankingConfigError(f"strategy {strategy.key} cannot score this dataset: {exc}") from exc
        finite = [s for s in ranking.scores if math.isfinite(s)]
        floor = (min(finite) if finite else 0.0) - 1.0
        rows = [
            RankingScore(
                dataset=dataset,
                image_id=pk,
                model_version=store_mv,
                strategy=strategy.key,
                score=s if math.isfinite(s) else floor,
            )
            for pk, s in zip(ranking.ids, ranking.scores, strict=True)
        ]
        with transaction.atomic():
            RankingScore.objects.filter(**where).delete()
            RankingScore.objects.bulk_create(rows, batch_size=CHUNK)
        written = len(rows)
    if store_mv is None or store_mv.status == ModelStatus.PRODUCTION:
        worklist_reprioritise(dataset=dataset, strategy=strategy.key, model_version=store_mv)
    return written


def ranking_refresh_start(*, dataset: Dataset, user, force: bool = True) -> Job:
    """Queue a ranking refresh of the dataset on a worker (e.g. after its acquisition weights
    changed); the weights are checked now, so a bad config is a 400, not a failed job."""
    strategy = acquisition_strategy(dataset)
    job = job_create(
        kind=JobKind.RANKING,
        dataset=dataset,
        created_by=user,
        params={"strategy": strategy.key, "force": force},
    )
    audit_record(actor=user, action="ranking.refresh", obj=job, dataset=dataset, after=job.params)
    transaction.on_commit(lambda: task_send("learning.refresh_ranking", job.pk))
    return job


def ranking_refresh_run(job_id: int, *, task_id: str = "") -> dict:
    """The worker side of `ranking_refresh_start` (idempotent: a finished job is left alone)."""
    from annotations.services.jobs.lifecycle import job_claim

    run = job_claim(job_id, task_id=task_id)
    if run is None:  # finished, cancelled, or running on a live worker
        return {"job": job_id, "skipped": True}
    with run:
        written = ranking_refresh(
            dataset_id=run.job.dataset_id,
            model_version_id=None,
            force=bool(run.job.params.get("force", True)),
        )
        run.finish(summary={"scores": written, "created": written}, errors=[])
    return {"job": job_id, **run.result}
