"""Interpretability maps with MONAI's visualize module: CAM for CheXNet, occlusion for the OCT model.

`class_activation_map` is Zhou et al.'s CAM (what the CheXNet paper shows): the final Linear layer's
weights for one finding applied at every position of the last dense block's (ReLU'd) feature map,
upsampled to the input size. `occlusion_map` slides an occluding patch over the image
(`monai.visualize.OcclusionSensitivity`, Gaussian-weighted darkening, so an already black background
is left unchanged) and records how much the class probability drops. Both return a float32 map in
[0, 1] at the model's input size (min-max normalised; 1 = most important), ready for
`overlay.render_overlay`.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from monai.visualize import CAM, OcclusionSensitivity

from ml.inference.preprocess import check_image, resize
from ml.nets.errors import InputError
from ml.nets.model import ArbiterNet


def _input(model: ArbiterNet, image: np.ndarray) -> torch.Tensor:
    img = resize(check_image(image), model.spec.input_size)
    return torch.from_numpy(img)[None, None]  # [1, 1, S, S]


def _class_index(model: ArbiterNet, finding: int | str) -> int:
    labels = model.spec.labels
    if isinstance(finding, str):
        if finding not in labels:
            raise InputError(f"unknown finding {finding!r}; the model predicts {labels}")
        return labels.index(finding)
    if not 0 <= int(finding) < len(labels):
        raise InputError(f"class index {finding} out of range 0..{len(labels) - 1}")
    return int(finding)


def _normalise(m: np.ndarray) -> np.ndarray:
    lo, hi = float(m.min()), float(m.max())
    if hi - lo < 1e-12:
        return np.zeros_like(m, dtype=np.float32)
    return ((m - lo) / (hi - lo)).astype(np.float32)


def class_activation_map(model: ArbiterNet, image: np.ndarray, finding: int | str) -> np.ndarray:
    """CAM of one finding for one image: float32 `[S, S]` in [0, 1] (CPU, eval mode)."""
    idx = _class_index(model, finding)
    relu = model.net.class_layers.relu
    before = set(relu._forward_hooks)
    try:
        cam = CAM(
            nn_module=model,
            target_layers="net.class_layers.relu",
            fc_layers="net.class_layers.out",
            postprocessing=lambda x: x,
        )
        with torch.no_grad():
            raw = cam(x=_input(model, image).to(next(model.parameters()).device), class_idx=[idx])
    finally:  # MONAI keeps no handle to its hook: remove it so repeated calls do not pile hooks up
        for key in set(relu._forward_hooks) - before:
            del relu._forward_hooks[key]
    return _normalise(raw[0, 0].float().cpu().numpy())


def occlusion_map(
    model: ArbiterNet,
    image: np.ndarray,
    finding: int | str,
    *,
    mask_size: int | None = None,
    overlap: float = 0.5,
    n_batch: int = 32,
) -> np.ndarray:
    """Occlusion sensitivity of one class: float32 `[S, S]` in [0, 1], 1 where occluding hurts most."""
    idx = _class_index(model, finding)
    x = _input(model, image).to(next(model.parameters()).device)
    size = model.spec.input_size
    mask = mask_size or max(4, size // 6)
    occ = OcclusionSensitivity(
        nn_module=model,
        mask_size=mask,
        n_batch=n_batch,
        verbose=False,
        mode="gaussian",
        overlap=overlap,
        activate=model.activate,
    )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # MONAI 1.6 indexes with a list of slices, which torch still reads as a tuple but warns about
            warnings.filterwarnings("ignore", message="Using a non-tuple sequence", category=UserWarning)
            base = model.activate(model(x))[0, idx].item()
            occ_map, _ = occ(x)  # [1, classes, S, S]: the probabilities with each region occluded
    finally:
        model.train(was_training)
    drop = base - occ_map[0, idx].float().cpu().numpy()  # how much the probability falls
    return _normalise(np.clip(drop, 0.0, None))
