"""Load pretrained weights from a file the user provides; nothing is ever downloaded.

Understood layouts (detected from the keys):

* torchvision DenseNet state dicts (ImageNet `densenet121-a639ec97.pth`): `features.conv0.weight`,
  `features.denseblock1.denselayer1.norm1.weight` or the old dotted form `...denselayer1.norm.1.weight`,
  `classifier.weight` / `classifier.bias`;
* the public CheXNet checkpoint (arnoweng/CheXNet `model.pth.tar`): a dict whose `state_dict` keys start
  with `module.densenet121.` and whose 14-way Linear is `classifier.0` in a Sequential with a Sigmoid;
* MONAI DenseNet state dicts (`features...layers.norm1.weight`, `class_layers.out.weight`);
* Arbiter checkpoints (see `checkpoint.py`).

All become MONAI key names (the same regular expression MONAI's `densenet._load_state_dict` applies to
torchvision URLs, plus the old `norm.1` form and the classifier). The classifier is dropped when its
output size differs from the model's (ImageNet's 1000 classes onto 14 findings); every feature weight
must fit, or `WeightsFormatError` says which did not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from ml.nets.errors import WeightsFormatError
from ml.nets.model import ArbiterNet

# torchvision (new and old) dense-layer keys -> MONAI's `layers.` sub-module
_DENSELAYER = re.compile(
    r"^(.*denselayer\d+)\.(norm|relu|conv)\.?([12])\.(weight|bias|running_mean|running_var)$"
)
_WRAPPER_PREFIXES = ("module.", "densenet121.", "model.", "net.")


@dataclass(frozen=True)
class LoadReport:
    """What a weight load did: which layout it saw and which MONAI keys it filled or left alone."""

    layout: str
    loaded: tuple[str, ...]
    dropped: tuple[str, ...]  # keys in the file that were not used (e.g. a 1000-way classifier)
    initialised: tuple[str, ...]  # model keys the file did not provide (kept at their initial values)

    @property
    def classifier_loaded(self) -> bool:
        return "class_layers.out.weight" in self.loaded


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The raw tensors in a weight file (a bare state dict or a dict holding `state_dict`)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsFormatError(f"weight file not found: {path}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or pickled-object files
        raise WeightsFormatError(
            f"cannot read {path.name} as a PyTorch weight file ({type(exc).__name__}); expected a state "
            "dict saved with torch.save (files that need arbitrary pickled code are refused)"
        ) from exc
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsFormatError(f"{path.name} does not hold a state dict of tensors")
    return {str(k): v for k, v in obj.items()}


def _strip_wrappers(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix) :], True
    return key


def detect_layout(state: dict[str, torch.Tensor]) -> str:
    """`chexnet`, `torchvision`, `monai` or `arbiter`, from the key names."""
    keys = list(state)
    if any(k.startswith("module.densenet121.") for k in keys):
        return "chexnet"
    if any(k.startswith("net.features.") for k in keys):
        return "arbiter"
    if any(".layers.norm1." in k for k in keys) or any(k.startswith("class_layers.") for k in keys):
        return "monai"
    if any(_DENSELAYER.match(_strip_wrappers(k)) for k in keys) or "classifier.weight" in keys:
        return "torchvision"
    raise WeightsFormatError(
        "unrecognised weight layout: expected torchvision DenseNet keys (features.denseblock1...), "
        "the CheXNet checkpoint (module.densenet121...), a MONAI DenseNet or an Arbiter checkpoint"
    )


def to_monai_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename any understood layout's keys to MONAI DenseNet's (no `net.` prefix)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        k = _strip_wrappers(key)
        m = _DENSELAYER.match(k)
        if m:
            k = f"{m.group(1)}.layers.{m.group(2)}{m.group(3)}.{m.group(4)}"
        elif k.startswith("classifier."):
            # torchvision `classifier.weight`; CheXNet `classifier.0.weight` (Linear inside Sequential)
            k = "class_layers.out." + k.split(".")[-1]
        out[k] = value
    return out


def load_pretrained(model: ArbiterNet, path: str | Path, *, require_classifier: bool = False) -> LoadReport:
    """Fill `model` with the weights in `path` (any understood layout) and report what was loaded.

    Feature weights must all be present with matching shapes; the classifier is loaded only when it
    has the model's output size (otherwise it stays initialised, or `require_classifier` makes that an
    error).
    """
    raw = read_state_dict(path)
    layout = detect_layout(raw)
    state = to_monai_keys(raw)
    target = model.net.state_dict()

    loaded: dict[str, torch.Tensor] = {}
    dropped: list[str] = []
    mismatched: list[str] = []
    for key, value in state.items():
        if key not in target:
            dropped.append(key)
        elif target[key].shape != value.shape:
            (dropped if key.startswith("class_layers.") else mismatched).append(key)
        else:
            loaded[key] = value
    if mismatched:
        shown = ", ".join(f"{k} {tuple(state[k].shape)} vs {tuple(target[k].shape)}" for k in mismatched[:3])
        raise WeightsFormatError(
            f"{len(mismatched)} weights in {Path(path).name} do not fit the {model.spec.size.name!r} network "
            f"(e.g. {shown}); choose the size the weights were trained at "
            "(DenseNet-121 weights need size 'full')"
        )
    missing = [
        k
        for k in target
        if k not in loaded and not k.startswith("class_layers.") and not k.endswith("num_batches_tracked")
    ]
    if missing:
        raise WeightsFormatError(
            f"{Path(path).name} lacks {len(missing)} feature weights of the network (e.g. {missing[:3]}); "
            "it is not a full DenseNet state dict for this size"
        )
    has_classifier = "class_layers.out.weight" in loaded and "class_layers.out.bias" in loaded
    if require_classifier and not has_classifier:
        raise WeightsFormatError(
            f"{Path(path).name} has no classifier with {model.spec.num_outputs} outputs for this model"
        )
    if not has_classifier:
        loaded.pop("class_layers.out.weight", None)
        loaded.pop("class_layers.out.bias", None)
    model.net.load_state_dict(loaded, strict=False)
    initialised = tuple(k for k in target if k not in loaded)
    return LoadReport(layout=layout, loaded=tuple(loaded), dropped=tuple(dropped), initialised=initialised)


def monai_to_torchvision(
    state: dict[str, torch.Tensor], *, old_style: bool = False
) -> dict[str, torch.Tensor]:
    """MONAI DenseNet keys -> torchvision's (or, with `old_style`, the pre-0.4 `norm.1` form).

    The inverse of `to_monai_keys`, used to export weights for other tools and to test the remap.
    """
    out: dict[str, torch.Tensor] = {}
    pat = re.compile(r"^(.*denselayer\d+)\.layers\.(norm|relu|conv)([12])\.(.+)$")
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        m = pat.match(key)
        if m:
            sep = "." if old_style else ""
            key = f"{m.group(1)}.{m.group(2)}{sep}{m.group(3)}.{m.group(4)}"
        elif key.startswith("class_layers.out."):
            key = "classifier." + key.rsplit(".", 1)[-1]
        out[key] = value
    return out
