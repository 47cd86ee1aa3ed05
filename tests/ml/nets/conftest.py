"""Synthetic images for the model tests, generated once per session at the tiny model's size."""

from __future__ import annotations

import numpy as np
import pytest

from synthetic import render_cxr, render_oct
from tests.support.torch_threads import _one_torch_thread  # noqa: F401 (autouse, per package)

SHADOW_FINDINGS = ("Cardiomegaly", "Effusion", "Pneumothorax", "Mass")
OTHER_FINDINGS = ("Nodule", "Consolidation", "Atelectasis", "Edema")


def cxr_images(
    seed: int, n: int, *, size: int = 64, p: float = 0.25, **kw
) -> tuple[np.ndarray, list[set[str]]]:
    """`n` frontal chest films (float32 [0, 1]) with each listed finding present with probability `p`."""
    rng = np.random.default_rng(seed)
    images, findings = [], []
    for _ in range(n):
        f = {name for name in SHADOW_FINDINGS + OTHER_FINDINGS if rng.random() < p}
        images.append(render_cxr(rng, f, size=size, **kw))
        findings.append(f)
    return np.stack(images), findings


def oct_images(seed: int, n: int, *, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    from synthetic import OCT_CLASSES

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(OCT_CLASSES), n)
    return np.stack([render_oct(rng, OCT_CLASSES[k], size=size) for k in labels]), labels


@pytest.fixture(scope="session")
def chest_pool() -> np.ndarray:
    """Unlabelled upright frontal chests for the self-supervised detectors (64 px)."""
    return cxr_images(101, 300)[0]


@pytest.fixture(scope="session")
def chest_test() -> np.ndarray:
    """Held-out upright chests from another seed, at a larger size than the model's input."""
    return cxr_images(202, 200, size=96)[0]
