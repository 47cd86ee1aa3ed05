"""The production model the loop starts from: a tiny ArbiterNet trained on NLP labels only.

This is how CheXNet was made (DenseNet-121 trained on the labels NLP mined from ChestX-ray14's
reports) and what Arbiter has before any radiologist reads: a model trained on report-mined labels.
It is trained once on a pretraining cohort that shares no item with any seed's pool or test set (its
own seed, `PRETRAIN_SEED`), with the NLP labels under U-Ignore (uncertain mentions left out, not
mentioned = negative, as ChestX-ray14's labels read), and early stopping on the NLP labels of a
held-out part of that cohort (the simulation's ground truth is never used). Its weights are cached
under var/, so every seed and strategy shares the same starting model; the bench retrains linear
heads on its frozen features with the adjudicated labels each round.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from bench.active_learning.cohort import CACHE_DIR, make_cohort
from ml.nets.model import ArbiterNet, build_model
from ml.nets.spec import chexnet_spec, size_config
from ml.nets.train import LabelledArrays, TrainConfig, fit
from ml.weak_labels import WeakLabelPolicy, build_targets
from synthetic.cxr import CXR14_FINDINGS

PRETRAIN_SEED = 999_999
NLP_ONLY = WeakLabelPolicy("ignore", weak_weight=1.0, use_weak=True, blank="negative")


def nlp_targets(x: np.ndarray, nlp: np.ndarray) -> LabelledArrays:
    """Images with targets and mask from their NLP labels alone (no adjudicated labels exist yet)."""
    t = build_targets(np.full(nlp.shape, np.nan), nlp, NLP_ONLY)
    return LabelledArrays(x, t.targets, t.mask.astype(np.float32))


def pretrained_model(
    size: str,
    *,
    prevalence: str,
    misleading_rate: float,
    n_train: int = 4000,
    n_val: int = 1000,
    epochs: int = 8,
    device: str = "cpu",
    workers: int = 1,
    retrain: bool = False,
    say: Callable[[str], None] = print,
) -> tuple[ArbiterNet, str]:
    """The NLP-trained model and a tag naming it (trained on the first call or with `retrain`, then
    loaded from var/)."""
    spec = chexnet_spec(size, labels=CXR14_FINDINGS)
    key = json.dumps([size, prevalence, misleading_rate, n_train, n_val, epochs, PRETRAIN_SEED, 1])
    tag = f"pretrained-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    path = Path(CACHE_DIR) / f"{tag}.pt"
    model = build_model(spec, seed=PRETRAIN_SEED)
    if not retrain and path.is_file():
        model.load_state_dict(torch.load(path, map_location="cpu"))
        return model, tag
    t0 = time.perf_counter()
    px = size_config(size).input_size
    # training and validation films from two seeds of their own (a cohort's test part has no NLP labels)
    train, val = (
        make_cohort(
            s,
            n,
            1,
            px,
            misleading_rate=misleading_rate,
            prevalence=prevalence,
            workers=workers,
            cache=not retrain,
        )
        for s, n in ((PRETRAIN_SEED, n_train), (PRETRAIN_SEED + 1, n_val))
    )
    result = fit(
        model,
        nlp_targets(train.x_pool, train.nlp_pool),
        nlp_targets(val.x_pool, val.nlp_pool),
        TrainConfig(epochs=epochs, batch_size=32, early_stopping_patience=3, seed=PRETRAIN_SEED),
        labels=CXR14_FINDINGS,
        multilabel=True,
        device=device,
    )
    say(
        f"pretrained the {size} model on NLP labels of {n_train} films in {time.perf_counter() - t0:.0f}s "
        f"(best epoch {result.best_epoch}, validation AUROC vs NLP labels {result.best_auroc:.3f})"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return model, tag
