"""The tiny CheXNet and OCT models learn the synthetic findings; their explanation maps point at them.

Slow (each trains a network on the CPU for tens of seconds).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from ml.inference.engine import score
from ml.inference.explain import class_activation_map, occlusion_map
from ml.inference.preprocess import prepare_batch
from ml.nets.model import build_model
from ml.nets.spec import CHESTXRAY14_FINDINGS, chexnet_spec, oct_spec
from ml.nets.train import LabelledArrays, TrainConfig, fit
from ml.transfer import BottleneckCache, features_fingerprint, fit_transfer
from tests.ml.nets.conftest import cxr_images, oct_images

pytestmark = pytest.mark.slow


def _multi_hot(findings: list[set[str]]) -> np.ndarray:
    y = np.zeros((len(findings), len(CHESTXRAY14_FINDINGS)), np.float32)
    for i, f in enumerate(findings):
        for name in f:
            y[i, CHESTXRAY14_FINDINGS.index(name)] = 1.0
    return y


def test_tiny_chexnet_beats_chance_on_large_shadow_findings() -> None:
    x_tr, f_tr = cxr_images(11, 1000)
    x_va, f_va = cxr_images(12, 200)
    x_te, f_te = cxr_images(13, 300, size=128)  # held out, and at another resolution than the model's
    model = build_model(chexnet_spec("tiny"), seed=0)
    train = LabelledArrays(prepare_batch(x_tr, 64, "uint8"), _multi_hot(f_tr))
    val = LabelledArrays(prepare_batch(x_va, 64, "uint8"), _multi_hot(f_va))
    config = TrainConfig(epochs=4, batch_size=16)
    result = fit(model, train, val, config, labels=CHESTXRAY14_FINDINGS, multilabel=True)
    assert result.best_epoch >= 1 and "Hernia" not in result.per_label_auroc  # never present: left out

    probs = score(model, x_te, device="cpu").probs
    y_te = _multi_hot(f_te)
    auroc = {
        f: roc_auc_score(y_te[:, CHESTXRAY14_FINDINGS.index(f)], probs[:, CHESTXRAY14_FINDINGS.index(f)])
        for f in ("Cardiomegaly", "Effusion", "Pneumothorax")
    }
    assert all(v > 0.8 for v in auroc.values()), auroc

    # CAM for effusion (a basal opacity) lies mostly in the lower half of positive films
    positives = [i for i, f in enumerate(f_te) if "Effusion" in f][:20]
    lower = [class_activation_map(model, x_te[i], "Effusion") for i in positives]
    share = np.mean([m[32:].sum() > m[:32].sum() for m in lower])
    assert share >= 0.75, share


def test_oct_fine_tuning_and_bottleneck_transfer(tmp_path: Path) -> None:
    x_tr, y_tr = oct_images(21, 600)
    x_va, y_va = oct_images(22, 100)
    x_te, y_te = oct_images(23, 120)
    train = LabelledArrays(prepare_batch(x_tr, 64, "uint8"), y_tr)
    val = LabelledArrays(prepare_batch(x_va, 64, "uint8"), y_va)

    model = build_model(oct_spec("tiny"), seed=0)
    fit_transfer(model, train, val, TrainConfig(epochs=4, batch_size=16), mode="finetune")
    tuned_acc = (score(model, x_te, device="cpu").probs.argmax(1) == y_te).mean()
    assert tuned_acc >= 0.75, tuned_acc

    # Kermany's recipe on these (now pretrained) features: frozen extractor, cached bottlenecks, new head
    fingerprint = features_fingerprint(model)
    with torch.no_grad():
        model.head.weight.normal_(0, 0.01)
        model.head.bias.zero_()
    assert (score(model, x_te, device="cpu").probs.argmax(1) == y_te).mean() < 0.6
    cache = BottleneckCache(tmp_path / "bottlenecks")
    result = fit_transfer(
        model, train, val, TrainConfig(epochs=15, batch_size=16), mode="bottleneck", cache=cache
    )
    assert features_fingerprint(model) == fingerprint  # the feature extractor did not move
    assert cache.computed == 2 and len(list((tmp_path / "bottlenecks").glob("*.npy"))) == 2
    head_acc = (score(model, x_te, device="cpu").probs.argmax(1) == y_te).mean()
    assert head_acc >= tuned_acc - 0.1, (head_acc, tuned_acc)
    assert result.best_accuracy is not None and result.best_accuracy >= 0.75
    fit_transfer(model, train, val, TrainConfig(epochs=1, batch_size=16), mode="bottleneck", cache=cache)
    assert cache.computed == 2  # second run read the cached activations
    assert all(p.requires_grad for p in model.parameters())  # nothing left frozen for the caller

    # occlusion: darkening the empty vitreous above the retina changes nothing; the retina matters
    dme = [i for i, k in enumerate(y_te) if k == 1][:4]
    for i in dme:
        m = occlusion_map(model, x_te[i], "DME", overlap=0.25)
        assert m.max() == pytest.approx(1.0) and m[:10].mean() < 0.5 * m[16:].mean()
