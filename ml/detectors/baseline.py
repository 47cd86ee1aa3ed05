"""A non-learned baseline for orientation and inversion: histogram, profile and symmetry rules.

It exists to be measured beside the learned detector in the same run (bench/qc, `evaluate_qc`).

- Upright score of a film (higher = more upright-looking): the spine column brighter than the two
  lung columns beside it, the lower third brighter than the upper third (abdomen and diaphragm below
  aerated lung), and the heart's extra density right of the midline on the viewer's side.
- Orientation: the upright score of each of the eight un-distortions of the film, softmaxed; the
  probability that the film is not upright is 1 - P(upright).
- Inversion: lung fields darker than the mediastinum on a normal film; the reverse on an inverted one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ml.detectors.dihedral import INVERSE, N_ORIENTATIONS, apply_np
from ml.detectors.orientation import OrientationScores
from ml.inference.preprocess import prepare_batch

SIZE = 64
TEMPERATURE = 0.04


def _box(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Mean of columns lo:hi of each film `[N, H, W]`."""
    return x[:, :, lo:hi].mean(axis=(1, 2))


def upright_score(x: np.ndarray) -> np.ndarray:
    """`[N, S, S]` float films in [0, 1] -> how upright each looks (unitless)."""
    s = x.shape[-1]
    cols = x[:, s // 4 : 3 * s // 4, :].mean(axis=1)  # column profile over the chest's middle half
    spine = cols[:, 7 * s // 16 : 9 * s // 16].mean(axis=1)
    lungs = 0.5 * (cols[:, s // 4 : 3 * s // 8].mean(axis=1) + cols[:, 5 * s // 8 : 3 * s // 4].mean(axis=1))
    rows = x.mean(axis=2)
    top, bottom = rows[:, : s // 3].mean(axis=1), rows[:, 2 * s // 3 :].mean(axis=1)
    lower = x[:, s // 2 : 7 * s // 8, :]
    heart = lower[:, :, s // 2 : 3 * s // 4].mean(axis=(1, 2)) - lower[:, :, s // 4 : s // 2].mean(
        axis=(1, 2)
    )
    return (spine - lungs) + (bottom - top) + heart


def baseline_scores(images: np.ndarray | Sequence[np.ndarray]) -> OrientationScores:
    """Rule-based posterior over the eight orientations and P(inverted), per film."""
    x = prepare_batch(images, SIZE, "float32") if len(images) else np.zeros((0, SIZE, SIZE), np.float32)
    # hypothesis g: undo g (apply its inverse) and ask how upright the result looks
    logits = np.stack([upright_score(apply_np(x, INVERSE[g])) for g in range(N_ORIENTATIONS)], axis=1)
    logits = logits / TEMPERATURE
    post = np.exp(logits - logits.max(axis=1, keepdims=True))
    post /= post.sum(axis=1, keepdims=True)
    s = SIZE
    mid = x[:, s // 4 : 3 * s // 4, :]
    lungs = 0.5 * (
        mid[:, :, s // 8 : 3 * s // 8].mean(axis=(1, 2))
        + mid[:, :, 5 * s // 8 : 7 * s // 8].mean(axis=(1, 2))
    )
    centre = mid[:, :, 7 * s // 16 : 9 * s // 16].mean(axis=(1, 2))
    # rotation-proof: the same contrast along the other axis, take the stronger
    mid_t = np.swapaxes(x, 1, 2)[:, s // 4 : 3 * s // 4, :]
    lungs_t = 0.5 * (
        mid_t[:, :, s // 8 : 3 * s // 8].mean(axis=(1, 2))
        + mid_t[:, :, 5 * s // 8 : 7 * s // 8].mean(axis=(1, 2))
    )
    centre_t = mid_t[:, :, 7 * s // 16 : 9 * s // 16].mean(axis=(1, 2))
    contrast = np.where(
        np.abs(centre - lungs) >= np.abs(centre_t - lungs_t), centre - lungs, centre_t - lungs_t
    )
    p_inv = 1.0 / (1.0 + np.exp(contrast / 0.02))
    return OrientationScores(post, p_inv)
