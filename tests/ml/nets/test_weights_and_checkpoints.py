"""Model specs, external weight layouts (torchvision, CheXNet) and atomic Arbiter checkpoints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ml.nets.checkpoint import load_checkpoint, save_checkpoint
from ml.nets.errors import CheckpointError, SpecError, WeightsFormatError
from ml.nets.model import ArbiterNet, build_model
from ml.nets.spec import CHESTXRAY14_FINDINGS, ModelSpec, chexnet_spec, oct_spec
from ml.nets.weights import load_pretrained

REPO = Path(__file__).resolve().parents[3]


def _randomise_bn(model: ArbiterNet, seed: int) -> ArbiterNet:
    """Give every batch-norm non-default statistics so a missed buffer changes the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
        model.head.bias.copy_(torch.randn(model.head.bias.shape, generator=g))
    return model.eval()


def _as_torchvision(model: ArbiterNet, *, old_style: bool) -> dict[str, torch.Tensor]:
    """MONAI keys renamed as torchvision's DenseNet names them (written here, apart from the loader)."""
    out = {}
    for key, value in model.net.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue  # the published torchvision files predate this buffer
        for part in ("norm1", "conv1", "norm2", "conv2", "relu1", "relu2"):
            new = f"{part[:-1]}.{part[-1]}" if old_style else part
            key = key.replace(f".layers.{part}.", f".{new}.")
        key = key.replace("class_layers.out.", "classifier.")
        out[key] = value.clone()
    return out


def _expected_torchvision_keys(block_config: tuple[int, ...], *, old_style: bool) -> set[str]:
    """The key names of a torchvision DenseNet state dict, enumerated from the architecture."""
    bn = ("weight", "bias", "running_mean", "running_var")
    keys = {"features.conv0.weight", "classifier.weight", "classifier.bias"}
    keys |= {f"features.norm0.{p}" for p in bn} | {f"features.norm5.{p}" for p in bn}
    for b, layers in enumerate(block_config, start=1):
        for layer in range(1, layers + 1):
            base = f"features.denseblock{b}.denselayer{layer}"
            n1, n2, c1, c2 = (
                ("norm.1", "norm.2", "conv.1", "conv.2")
                if old_style
                else ("norm1", "norm2", "conv1", "conv2")
            )
            keys |= {f"{base}.{n1}.{p}" for p in bn} | {f"{base}.{n2}.{p}" for p in bn}
            keys |= {f"{base}.{c1}.weight", f"{base}.{c2}.weight"}
        if b < len(block_config):
            keys |= {f"features.transition{b}.norm.{p}" for p in bn} | {f"features.transition{b}.conv.weight"}
    return keys


def _outputs(model: ArbiterNet, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.rand((3, 64, 64), generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return model.eval().forward_with_embeddings(x)


def test_spec_round_trips_through_json_and_rejects_garbage() -> None:
    spec = chexnet_spec("tiny")
    again = ModelSpec.from_json(spec.to_json())
    assert again == spec
    assert again.labels == CHESTXRAY14_FINDINGS and again.multilabel and again.input_size == 64
    assert ModelSpec.from_json(oct_spec("full").to_json()).size.block_config == (6, 12, 24, 16)
    with pytest.raises(SpecError, match="unknown model kind"):
        ModelSpec.from_dict({**spec.to_dict(), "kind": "resnet"})
    with pytest.raises(SpecError, match="malformed"):
        ModelSpec.from_dict({"kind": "chexnet"})
    with pytest.raises(SpecError, match="not valid JSON"):
        ModelSpec.from_json("{nope")


@pytest.mark.parametrize("old_style", [False, True], ids=["torchvision", "torchvision-old-dotted"])
def test_torchvision_state_dict_round_trip(tmp_path: Path, old_style: bool) -> None:
    src = _randomise_bn(build_model(chexnet_spec("tiny"), seed=1), seed=5)
    state = _as_torchvision(src, old_style=old_style)
    assert set(state) == _expected_torchvision_keys(src.spec.size.block_config, old_style=old_style)
    path = tmp_path / "densenet.pth"
    torch.save(state, path)

    dst = build_model(chexnet_spec("tiny"), seed=2)
    before = _outputs(dst)[0]
    report = load_pretrained(dst, path)
    assert report.layout == "torchvision" and report.classifier_loaded
    assert set(report.initialised) == {k for k in dst.net.state_dict() if k.endswith("num_batches_tracked")}
    logits, emb = _outputs(dst)
    ref_logits, ref_emb = _outputs(src)
    assert not torch.equal(before, ref_logits)
    assert torch.equal(logits, ref_logits) and torch.equal(emb, ref_emb)


def test_imagenet_classifier_is_dropped_and_features_kept(tmp_path: Path) -> None:
    src = _randomise_bn(
        build_model(oct_spec("tiny"), seed=3), seed=6
    )  # a 4-way classifier stands in for 1000
    path = tmp_path / "imagenet.pth"
    torch.save(_as_torchvision(src, old_style=False), path)
    dst = build_model(chexnet_spec("tiny"), seed=4)
    head_before = dst.head.weight.clone()
    report = load_pretrained(dst, path)
    assert not report.classifier_loaded
    assert set(report.dropped) == {"class_layers.out.weight", "class_layers.out.bias"}
    assert torch.equal(dst.head.weight, head_before)
    assert torch.equal(_outputs(dst)[1], _outputs(src)[1])  # identical embeddings
    with pytest.raises(WeightsFormatError, match="no classifier with 14 outputs"):
        load_pretrained(build_model(chexnet_spec("tiny")), path, require_classifier=True)


def test_public_chexnet_checkpoint_layout_round_trip(tmp_path: Path) -> None:
    """arnoweng/CheXNet model.pth.tar: DataParallel + `densenet121` + Sequential(Linear, Sigmoid)."""
    src = _randomise_bn(build_model(chexnet_spec("full"), seed=7), seed=8)
    tv = _as_torchvision(src, old_style=True)
    state = {}
    for key, value in tv.items():
        key = key.replace("classifier.", "classifier.0.")
        state[f"module.densenet121.{key}"] = value
    assert "module.densenet121.features.denseblock4.denselayer16.norm.2.running_var" in state
    assert state["module.densenet121.classifier.0.weight"].shape == (14, 1024)
    path = tmp_path / "model.pth.tar"
    torch.save({"epoch": 7, "arch": "densenet121", "best_loss": 0.15, "state_dict": state}, path)

    dst = build_model(chexnet_spec("full"), seed=9)
    report = load_pretrained(dst, path, require_classifier=True)
    assert report.layout == "chexnet"
    assert len(report.loaded) == 606  # every torchvision DenseNet-121 tensor, classifier included
    logits, emb = _outputs(dst)
    ref_logits, ref_emb = _outputs(src)
    assert torch.equal(logits, ref_logits) and torch.equal(emb, ref_emb)


def test_weights_that_do_not_fit_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    full = tmp_path / "full.pth"
    torch.save(_as_torchvision(build_model(chexnet_spec("full"), seed=0), old_style=False), full)
    with pytest.raises(WeightsFormatError, match="size 'full'"):
        load_pretrained(build_model(chexnet_spec("tiny")), full)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(WeightsFormatError, match=r"cannot read junk\.pth"):
        load_pretrained(build_model(chexnet_spec("tiny")), junk)
    other = tmp_path / "other.pth"
    torch.save({"encoder.layer.weight": torch.zeros(3)}, other)
    with pytest.raises(WeightsFormatError, match="unrecognised weight layout"):
        load_pretrained(build_model(chexnet_spec("tiny")), other)
    with pytest.raises(WeightsFormatError, match="not found"):
        load_pretrained(build_model(chexnet_spec("tiny")), tmp_path / "missing.pth")


def test_checkpoint_round_trip_keeps_weights_spec_and_metadata(tmp_path: Path) -> None:
    model = _randomise_bn(build_model(oct_spec("tiny"), seed=11), seed=12)
    path = tmp_path / "models" / "oct.pt"
    save_checkpoint(path, model, {"version": 3, "val_auroc": 0.91})
    assert [p.name for p in path.parent.iterdir()] == ["oct.pt"]  # no temp file left behind
    ckpt = load_checkpoint(path)
    assert ckpt.spec == model.spec and ckpt.metadata == {"version": 3, "val_auroc": 0.91}
    assert torch.equal(_outputs(ckpt.model)[0], _outputs(model)[0])
    # our own checkpoints also load as "pretrained" weights into a fresh model
    fresh = build_model(oct_spec("tiny"), seed=0)
    assert load_pretrained(fresh, path).layout == "arbiter"
    assert torch.equal(_outputs(fresh)[0], _outputs(model)[0])


def test_failed_save_leaves_the_previous_checkpoint_intact(tmp_path: Path) -> None:
    model = build_model(chexnet_spec("tiny"), seed=0)
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"v": 1})
    with pytest.raises(CheckpointError, match="JSON-serialisable"):
        save_checkpoint(path, model, {"v": object()})
    assert load_checkpoint(path).metadata == {"v": 1}
    path.write_bytes(path.read_bytes()[:1000])  # what a non-atomic writer leaves when killed
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(path)


_WRITER = """
import sys, torch
from ml.nets.checkpoint import save_checkpoint
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec
model = build_model(chexnet_spec("full"), seed=0)
i = 0
while True:
    with torch.no_grad():
        model.head.bias.fill_(float(i))
    save_checkpoint(sys.argv[1], model, {"i": i})
    i += 1
    if i == 2:
        print("ready", flush=True)
"""


def test_process_killed_while_saving_never_leaves_a_half_written_model(tmp_path: Path) -> None:
    path = tmp_path / "live.pt"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, env=env, cwd=REPO
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(0.2 + np.random.default_rng().random() * 0.3)  # kill at an arbitrary point of a write
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    ckpt = load_checkpoint(path)
    i = ckpt.metadata["i"]
    assert i >= 1
    assert torch.all(ckpt.model.head.bias == float(i))  # weights and metadata from the same save
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "live.pt"]
    assert all(name.startswith(".live.pt.") and name.endswith(".tmp") for name in leftovers)
    assert len(leftovers) <= 1
