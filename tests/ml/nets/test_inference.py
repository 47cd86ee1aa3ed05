"""The inference engine, the preprocessing cache and the overlay renderer (CPU, tiny models)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.inference.cache import PreprocessCache
from ml.inference.engine import Scorer, score
from ml.inference.overlay import colormap, render_overlay
from ml.inference.preprocess import prepare
from ml.nets.errors import InputError, OperationCancelled
from ml.nets.model import build_model
from ml.nets.spec import chexnet_spec
from tests.ml.nets.conftest import cxr_images

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def model():
    return build_model(chexnet_spec("tiny"), seed=0).eval()


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return cxr_images(7, 20, size=100)[0]  # larger than the model's 64 px: the engine resizes


class CountingDecoder:
    """Our own decode(key) callable for the tests: serves synthetic images and counts its calls."""

    def __init__(self, images: np.ndarray) -> None:
        self.images = {f"img-{i}": im for i, im in enumerate(images)}
        self.calls = 0

    def __call__(self, key: str) -> np.ndarray:
        self.calls += 1
        return self.images[key]


def test_same_inputs_scored_twice_give_identical_outputs(model, images) -> None:
    a = score(model, images, batch_size=8, device="cpu")
    b = score(model, list(images), batch_size=8, device="cpu")
    assert a.probs.dtype == np.float32 and a.probs.shape == (20, 14)
    assert a.embeddings.dtype == np.float32 and a.embeddings.shape == (20, model.embedding_dim)
    assert np.array_equal(a.probs, b.probs) and np.array_equal(a.embeddings, b.embeddings)
    assert a.probs.std(axis=0).max() > 1e-4  # different images, different scores


def test_embeddings_are_the_penultimate_features(model, images) -> None:
    res = score(model, images, batch_size=8, device="cpu")
    with torch.no_grad():
        logits = model.head(torch.from_numpy(res.embeddings))
    np.testing.assert_allclose(torch.sigmoid(logits).numpy(), res.probs, rtol=1e-5, atol=1e-6)
    assert (res.embeddings >= 0).all()  # pooled after the final ReLU


def test_warm_cache_returns_identical_arrays_without_decoding(tmp_path: Path, model, images) -> None:
    decode = CountingDecoder(images)
    keys = list(decode.images)
    cache = PreprocessCache(tmp_path / "cache", size=64)

    cold = score(model, keys, cache=cache, decode=decode, batch_size=8, device="cpu")
    assert decode.calls == len(keys) and cache.stats.misses == len(keys)
    stored = [cache.get(k) for k in keys]
    assert all(s is not None and s.dtype == np.uint8 and s.shape == (64, 64) for s in stored)
    assert all(np.array_equal(s, prepare(images[i], 64)) for i, s in enumerate(stored))

    warm = score(model, keys, cache=PreprocessCache(tmp_path / "cache", size=64), decode=decode, batch_size=8)
    assert decode.calls == len(keys)  # not one decode on the warm pass
    assert np.array_equal(cold.probs, warm.probs) and np.array_equal(cold.embeddings, warm.embeddings)

    uncached = score(model, keys, decode=CountingDecoder(images), batch_size=8, device="cpu")
    assert np.array_equal(uncached.probs, cold.probs)  # the cache stores exactly what the cold path computes


def test_damaged_cache_entry_is_a_miss_and_is_rewritten(tmp_path: Path, images) -> None:
    cache = PreprocessCache(tmp_path, size=64)
    decode = CountingDecoder(images[:3])
    first = cache.fetch(["img-0", "img-1", "img-2"], decode)
    cache.path("img-1").write_bytes(b"\x00" * 10)  # truncated by a crash or a full disk
    again = cache.fetch(["img-0", "img-1", "img-2"], decode, workers=2)
    assert decode.calls == 4 and np.array_equal(first, again)
    assert PreprocessCache(tmp_path, size=96).get("img-0") is None  # sizes never share entries


def test_bad_inputs_raise_errors_a_user_can_act_on(model, images) -> None:
    with pytest.raises(InputError, match="2-D grayscale"):
        score(model, [np.zeros((3, 64, 64), np.float32)], device="cpu")
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        score(model, [images[0] * 300], device="cpu")
    with pytest.raises(InputError, match="NaN"):
        score(model, [np.full((64, 64), np.nan, np.float32)], device="cpu")
    with pytest.raises(InputError, match="decode"):
        score(model, ["img-0"], device="cpu")
    with pytest.raises(InputError, match="tensor input"):
        score(model, torch.zeros((2, 32, 32), dtype=torch.uint8), device="cpu")
    with pytest.raises(InputError, match="GPUs"):
        score(model, images[:2], device="cpu", precision="bf16")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA GPU"):
            score(model, images[:2], device="cuda")


def test_progress_is_reported_and_cancel_flag_stops_between_batches(model, images) -> None:
    seen: list[tuple[int, int]] = []
    score(model, images, batch_size=8, device="cpu", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(8, 20), (16, 20), (20, 20)]
    with pytest.raises(OperationCancelled, match="after 8 of 20"):
        score(
            model,
            images,
            batch_size=8,
            device="cpu",
            should_cancel=lambda: len(seen) > 3,
            progress=lambda d, t: seen.append((d, t)),
        )


def test_scorer_accepts_a_prepared_uint8_tensor(model, images) -> None:
    scorer = Scorer(model, device="cpu")
    prepared = torch.from_numpy(np.stack([prepare(i, 64) for i in images]))
    by_tensor = scorer.score(prepared, batch_size=8)
    by_keys = score(model, [f"img-{i}" for i in range(20)], decode=CountingDecoder(images), batch_size=8)
    assert np.array_equal(by_tensor.probs, by_keys.probs)
    assert scorer.settings.device.type == "cpu" and scorer.settings.precision == "fp32"


def test_overlay_png_is_rgba_with_heat_scaled_alpha() -> None:
    heat = np.zeros((8, 8), np.float32)
    heat[:, 4:] = 1.0
    png = render_overlay(heat, alpha=0.6, colormap_name="jet")
    img = Image.open(io.BytesIO(png))
    assert img.mode == "RGBA" and img.size == (8, 8)
    px = np.asarray(img)
    assert (px[:, :4, 3] == 0).all() and (px[:, 5:, 3] == round(0.6 * 255)).all()
    assert px[0, 7, 0] > 100 and px[0, 7, 2] < 50  # hot end of jet is red
    np.testing.assert_allclose(
        colormap(np.array([[0.0]]))[0, 0], [0, 0, 0.5], atol=1e-6
    )  # cold end: dark blue
    big = Image.open(io.BytesIO(render_overlay(heat, size=(40, 20), base=np.full((5, 5), 0.5, np.float32))))
    assert big.size == (40, 20) and (np.asarray(big)[..., 3] == 255).all()  # composited onto the image
    with pytest.raises(InputError, match="colormap"):
        render_overlay(heat, colormap_name="rainbow")


def test_ml_core_imports_without_django() -> None:
    code = (
        "import sys\n"
        "import ml.nets.checkpoint, ml.nets.weights, ml.nets.train\n"
        "import ml.transfer, ml.inference.engine, ml.inference.explain\n"
        "import ml.inference.overlay, ml.detectors.training\n"
        "import ml.detectors.pediatric\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'annotations', 'config'))\n"
        "assert not bad, bad\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.gpu
def test_gpu_bf16_channels_last_matches_cpu_fp32(images) -> None:
    model = build_model(chexnet_spec("full"), seed=0).eval()
    cpu = score(model, images, batch_size=8, device="cpu")
    gpu = Scorer(model)  # auto: cuda, bf16, channels-last
    assert (
        gpu.settings.device.type == "cuda" and gpu.settings.precision == "bf16" and gpu.settings.channels_last
    )
    res = gpu.score(images, batch_size=8)
    assert np.abs(res.probs - cpu.probs).max() < 0.03
    rel = np.linalg.norm(res.embeddings - cpu.embeddings) / np.linalg.norm(cpu.embeddings)
    assert rel < 0.03
    again = gpu.score(images, batch_size=8)
    assert np.array_equal(again.probs, res.probs)
    fp32 = score(model, images, batch_size=8, device="cuda", precision="fp32", channels_last=False)
    assert np.abs(fp32.probs - cpu.probs).max() < 5e-3


@pytest.mark.gpu
def test_gpu_compiled_scorer_pads_the_last_batch(images) -> None:
    model = build_model(chexnet_spec("tiny"), seed=0).eval()
    eager = Scorer(model).score(images, batch_size=8)
    compiled = Scorer(model, compile=True).score(images, batch_size=8)  # 20 = 8 + 8 + 4 (padded)
    assert compiled.probs.shape == (20, 14)
    assert np.abs(compiled.probs - eager.probs).max() < 0.02
