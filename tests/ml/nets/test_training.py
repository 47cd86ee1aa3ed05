"""The generic training loop: seeding, progress, cancel flag, early stopping, masked (U-Ignore) labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.nets.errors import InputError, SpecError
from ml.nets.metrics import auroc_report
from ml.nets.model import build_model
from ml.nets.spec import SizeConfig, chexnet_spec
from ml.nets.train import EpochProgress, LabelledArrays, TrainConfig, fit

MICRO = SizeConfig("micro", input_size=32, init_features=8, growth_rate=4, block_config=(2, 2), bn_size=2)
LABELS = ("Bright", "Left", "Noise")


def _data(seed: int, n: int) -> LabelledArrays:
    """Hand-made 32 px images: finding 0 = bright disc, finding 1 = disc on the left, finding 2 = random."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:32, :32]
    x = rng.random((n, 32, 32), dtype=np.float32) * 0.2
    y = np.zeros((n, 3), np.float32)
    for i in range(n):
        bright, left = rng.random() < 0.5, rng.random() < 0.5
        cx = 9 if left else 23
        x[i][(xx - cx) ** 2 + (yy - 16) ** 2 < 25] += 0.7 if bright else 0.3
        y[i] = [bright, left, rng.random() < 0.5]
    return LabelledArrays(np.clip(x, 0, 1), y)


def _spec():
    return chexnet_spec(MICRO, labels=LABELS)


def _weights(model) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def test_seeded_training_is_reproducible_and_learns() -> None:
    train, val = _data(0, 160), _data(1, 80)
    cfg = TrainConfig(epochs=3, batch_size=16, seed=3)
    runs = []
    for _ in range(2):
        model = build_model(_spec(), seed=0)
        result = fit(model, train, val, cfg, labels=LABELS, multilabel=True)
        runs.append((_weights(model), result))
    (w1, r1), (w2, r2) = runs
    assert all(torch.equal(a, b) for a, b in zip(w1, w2, strict=True))
    assert [e.train_loss for e in r1.history] == [e.train_loss for e in r2.history]
    assert r1.history[-1].train_loss < r1.history[0].train_loss
    assert r1.per_label_auroc["Bright"] > 0.8  # learnable findings are learned...
    assert 0.3 < r1.per_label_auroc["Noise"] < 0.75  # ...and noise is not


def test_progress_callback_and_cancel_flag_between_batches() -> None:
    train, val = _data(0, 96), _data(1, 32)
    events: list[EpochProgress] = []
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 8  # 6 batches per epoch: stop in the middle of epoch 2

    model = build_model(_spec(), seed=0)
    result = fit(
        model,
        train,
        val,
        TrainConfig(epochs=5, batch_size=16),
        labels=LABELS,
        multilabel=True,
        progress=events.append,
        should_cancel=cancel,
    )
    assert result.cancelled and len(result.history) == 1 and [e.epoch for e in events] == [1]
    assert events[0].epochs == 5 and events[0].lr == pytest.approx(1e-3) and np.isfinite(events[0].val_auroc)
    assert result.best_epoch == 1  # the weights of the last finished epoch are kept


def test_early_stopping_restores_the_best_epoch() -> None:
    train, val = _data(0, 64), _data(1, 64)
    val = LabelledArrays(
        val.x, np.random.default_rng(5).random(val.y.shape).round().astype(np.float32)
    )  # noise
    model = build_model(_spec(), seed=0)
    config = TrainConfig(epochs=30, batch_size=16, early_stopping_patience=2, lr_patience=0)
    result = fit(model, train, val, config, labels=LABELS, multilabel=True)
    assert result.stopped_early and len(result.history) < 30
    assert len(result.history) - result.best_epoch == 2
    assert any(e.lr < 1e-3 for e in result.history)  # ReduceLROnPlateau cut the rate on the plateau
    final = auroc_report(
        val.y, torch.sigmoid(model(torch.from_numpy(val.x))).detach().numpy(), LABELS, multilabel=True
    )
    assert final.macro == pytest.approx(result.best_auroc, abs=1e-6)


def test_masked_labels_do_not_influence_training() -> None:
    train, val = _data(0, 64), _data(1, 32)
    mask = np.ones_like(train.y)
    mask[:, 2] = 0  # U-Ignore: finding 2 is uncertain everywhere
    weights = []
    for seed in (1, 2):
        y = train.y.copy()
        y[:, 2] = np.random.default_rng(seed).random(len(y)).round()  # different garbage each time
        model = build_model(_spec(), seed=0)
        fit(
            model,
            LabelledArrays(train.x, y, mask),
            val,
            TrainConfig(epochs=1, batch_size=16),
            labels=LABELS,
            multilabel=True,
        )
        weights.append(_weights(model))
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


def test_bad_training_input_is_refused() -> None:
    with pytest.raises(SpecError, match="batch_size"):
        TrainConfig(batch_size=1)
    with pytest.raises(InputError, match="targets"):
        LabelledArrays(np.zeros((3, 32, 32), np.float32), np.zeros((2, 3), np.float32))
    assert TrainConfig.from_dict(TrainConfig(epochs=4).to_dict()) == TrainConfig(epochs=4)
