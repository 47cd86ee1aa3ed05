"""OCT transfer learning as in Kermany et al. 2018, or full fine-tuning, chosen by `mode`.

`bottleneck` (Kermany's recipe): the pretrained feature extractor is frozen, each image's pooled
"bottleneck" activation is computed once (and cached on disk, keyed by the feature weights and the
data), and only the final Linear layer is retrained on those vectors with softmax cross-entropy.
`finetune`: every layer trains on the images (flip augmentation as configured).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ml.inference.engine import score
from ml.nets.checkpoint import atomic_write
from ml.nets.errors import InputError
from ml.nets.model import ArbiterNet
from ml.nets.train import EpochProgress, FitResult, LabelledArrays, TrainConfig, fit

TRANSFER_MODES = ("bottleneck", "finetune")


def features_fingerprint(model: ArbiterNet) -> str:
    """sha256 over the feature extractor's weights (the part a bottleneck depends on)."""
    h = hashlib.sha256()
    for name, t in model.net.features.state_dict().items():
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


class BottleneckCache:
    """Bottleneck activations on disk, one .npy per (feature weights, data) pair."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.computed = 0  # how many times activations had to be computed (not read)

    def get_or_compute(
        self, model: ArbiterNet, x: np.ndarray, *, data_key: str | None = None, device: str = "cpu"
    ) -> np.ndarray:
        data_key = data_key or hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
        key = hashlib.sha256(f"{features_fingerprint(model)}:{data_key}:{len(x)}".encode()).hexdigest()
        path = self.root / f"{key}.npy"
        if path.is_file():
            arr = np.load(path)
            if arr.shape == (len(x), model.embedding_dim):
                return arr
        emb = bottlenecks(model, x, device=device)
        atomic_write(path, lambda fh: np.save(fh, emb))
        self.computed += 1
        return emb


def bottlenecks(
    model: ArbiterNet, x: np.ndarray, *, device: str = "cpu", batch_size: int = 256
) -> np.ndarray:
    """Pooled penultimate activations `[N, D]` of `x` (eval mode)."""
    return score(model, x, batch_size=batch_size, device=device, precision="fp32").embeddings


def fit_transfer(
    model: ArbiterNet,
    train: LabelledArrays,
    val: LabelledArrays,
    config: TrainConfig,
    *,
    mode: str = "bottleneck",
    cache: BottleneckCache | None = None,
    progress: Callable[[EpochProgress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    device: str = "cpu",
) -> FitResult:
    """Train a single-label model (the OCT classifier) by bottleneck transfer or fine-tuning, in place."""
    if mode not in TRANSFER_MODES:
        raise InputError(f"unknown transfer mode {mode!r}; choose one of {TRANSFER_MODES}")
    spec = model.spec
    if mode == "finetune":
        return fit(
            model,
            train,
            val,
            config,
            labels=spec.labels,
            multilabel=spec.multilabel,
            progress=progress,
            should_cancel=should_cancel,
            device=device,
        )
    if cache is not None:
        emb_tr = cache.get_or_compute(model, train.x, device=device)
        emb_va = cache.get_or_compute(model, val.x, device=device)
    else:
        emb_tr, emb_va = bottlenecks(model, train.x, device=device), bottlenecks(model, val.x, device=device)
    head = model.head
    frozen = [p for p in model.parameters() if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    for p in head.parameters():
        p.requires_grad_(True)
    try:
        return fit(
            head,
            LabelledArrays(emb_tr, train.y, train.mask),
            LabelledArrays(emb_va, val.y, val.mask),
            config,
            labels=spec.labels,
            multilabel=spec.multilabel,
            progress=progress,
            should_cancel=should_cancel,
            device=device,
        )
    finally:
        for p in frozen:
            p.requires_grad_(True)
        model.to(next(head.parameters()).device)  # whole model where the head trained, as `fit` leaves it
