"""Scoring a list of images with a model version and storing the results (the core of score_chunk).

The model is loaded once per worker process and placed once on the best device (`Scorer`: CUDA
with bf16 autocast and channels-last when a GPU is visible, fp32 on the CPU), keyed by the model
version and its weights hash. Images go through the preprocessing cache in sub-batches: misses are
decoded once and stored, then the scorer reads only cached entries, and each sub-batch's
predictions are stored before the next one starts. A `should_stop` callback (a cancelled job) is
asked before each sub-batch: scoring stops there and what was stored stays. Images whose file is
missing or damaged are reported, not fatal. Storing is an upsert, so running this twice writes the same rows.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from annotations.models import Image
from learning.bridge.images import ImageInputs, fill_cache, preprocess_cache
from learning.models import ModelVersion
from learning.services.models.weights import model_checkpoint
from learning.services.scoring.predictions import predictions_store
from ml.inference.engine import Scorer

SUB_BATCH_BATCHES = 4  # a sub-batch is four inference batches: 1024 images on a GPU, 256 on the CPU
SUB_BATCH: int | None = None  # a fixed number of images per sub-batch instead
READ_WORKERS = 4
SCORERS_MAX = 2

_scorers: OrderedDict[tuple[int, str, str], Scorer] = OrderedDict()
_scorers_lock = threading.Lock()


@dataclass
class ScoredImages:
    scored: int = 0
    decoded: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    device: str = ""
    stopped: bool = False  # should_stop said so before every image was scored


def scorer_for(model_version: ModelVersion, *, device: str = "auto") -> Scorer:
    """The version's model placed on `device`, built once per process (LRU of two versions)."""
    key = (model_version.pk, model_version.weights_sha256, device)
    with _scorers_lock:
        if key in _scorers:
            _scorers.move_to_end(key)
            return _scorers[key]
    scorer = Scorer(model_checkpoint(model_version).model, device=device)
    with _scorers_lock:
        _scorers[key] = scorer
        while len(_scorers) > SCORERS_MAX:
            _scorers.popitem(last=False)
    return scorer


def default_batch_size(scorer: Scorer) -> int:
    return 256 if scorer.settings.device.type == "cuda" else 64


def score_images(
    model_version: ModelVersion,
    image_ids: Sequence[int],
    *,
    device: str = "auto",
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ScoredImages:
    """Score these images of the version's dataset and store their Predictions (and model labels),
    sub-batch by sub-batch; `should_stop` is asked before each one (see the module docstring)."""
    started = time.monotonic()
    scorer = scorer_for(model_version, device=device)
    batch = batch_size or default_batch_size(scorer)
    cache = preprocess_cache(scorer.size)
    images = list(
        Image.objects.filter(pk__in=list(image_ids), dataset_id=model_version.dataset_id).order_by("pk")
    )
    out = ScoredImages(device=scorer.settings.describe())
    sub_batch = SUB_BATCH or SUB_BATCH_BATCHES * batch
    for lo in range(0, len(images), sub_batch):
        if should_stop is not None and should_stop():
            out.stopped = True
            break
        inputs = ImageInputs.of(images[lo : lo + sub_batch], size=scorer.size)
        filled = fill_cache(cache, inputs, workers=READ_WORKERS)
        out.decoded += filled.decoded
        out.failed.extend(filled.failed)
        if filled.ok:
            keys = [inputs.keys[i] for i in filled.ok]
            result = scorer.score(
                keys, cache=cache, decode=inputs.decode, batch_size=batch, workers=READ_WORKERS
            )
            out.scored += predictions_store(
                model_version=model_version,
                image_ids=[inputs.images[i].pk for i in filled.ok],
                probs=result.probs,
                embeddings=result.embeddings,
            )
        if progress is not None:
            progress(out.scored + len(out.failed))
    out.seconds = time.monotonic() - started
    return out
