"""Model specifications: which network, how wide, which outputs, how its input is normalised.

A `ModelSpec` is everything needed to rebuild a network before its weights are loaded. It is a frozen
dataclass that round-trips through JSON (`to_dict` / `from_dict`), so the model registry can store it
beside the weights. `SizeConfig` picks resolution and width: `tiny` for CPU tests and the embedded
demo, `full` for DenseNet-121 at 224 px as in CheXNet.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from layouts.label_schemas import CXR14_FINDINGS, OCT_CLASSES
from ml.nets.errors import SpecError

#: ChestX-ray14 findings in the data set's label order (CheXNet's 14 outputs) and Kermany's OCT classes,
#: from the platform's single source of truth.
CHESTXRAY14_FINDINGS: tuple[str, ...] = CXR14_FINDINGS
OCT_LABELS: tuple[str, ...] = OCT_CLASSES

#: Bad-image detector outputs. Rotation is counter-clockwise, as `numpy.rot90` turns.
ROTATION_LABELS: tuple[str, ...] = ("0", "90", "180", "270")
INVERSION_LABELS: tuple[str, ...] = ("normal", "inverted")
VIEW_LABELS: tuple[str, ...] = ("frontal", "lateral", "other")

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

MODEL_KINDS: tuple[str, ...] = ("chexnet", "oct", "rotation", "inversion", "view")
SPEC_VERSION = 1


@dataclass(frozen=True)
class SizeConfig:
    """Resolution and width of a MONAI DenseNet (`block_config` layers per dense block)."""

    name: str
    input_size: int
    init_features: int
    growth_rate: int
    block_config: tuple[int, ...]
    bn_size: int = 4

    def __post_init__(self) -> None:
        if self.input_size < 32:
            raise SpecError(f"input_size must be at least 32 px, got {self.input_size}")
        if min(self.init_features, self.growth_rate, self.bn_size) < 1:
            raise SpecError("init_features, growth_rate and bn_size must be positive")
        if not self.block_config or min(self.block_config) < 1:
            raise SpecError(f"block_config needs at least one block of >= 1 layer, got {self.block_config}")
        # the stem divides by 4 and each transition by 2: the last feature map must keep >= 1 px
        if self.input_size // (4 * 2 ** (len(self.block_config) - 1)) < 1:
            raise SpecError(f"input_size {self.input_size} is too small for {len(self.block_config)} blocks")


SIZES: dict[str, SizeConfig] = {
    # narrow three-block DenseNet for CPU tests and the embedded demo: ~0.09 M parameters, 64 px
    "tiny": SizeConfig(
        "tiny", input_size=64, init_features=32, growth_rate=16, block_config=(3, 4, 4), bn_size=2
    ),
    # DenseNet-121 as in CheXNet (Rajpurkar et al. 2017): 224 px, growth 32, blocks 6/12/24/16
    "full": SizeConfig(
        "full", input_size=224, init_features=64, growth_rate=32, block_config=(6, 12, 24, 16)
    ),
}


def size_config(name: str) -> SizeConfig:
    """The named size preset (`tiny` or `full`)."""
    try:
        return SIZES[name]
    except KeyError:
        raise SpecError(f"unknown size {name!r}; choose one of {sorted(SIZES)}") from None


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to rebuild a network: kind, outputs, size and input normalisation."""

    kind: str
    labels: tuple[str, ...]
    multilabel: bool
    size: SizeConfig
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    dropout_prob: float = 0.0
    spec_version: int = SPEC_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise SpecError(f"unknown model kind {self.kind!r}; choose one of {MODEL_KINDS}")
        if len(self.labels) < 1 or len(set(self.labels)) != len(self.labels):
            raise SpecError("labels must be a non-empty list of distinct names")
        if not self.multilabel and len(self.labels) < 2:
            raise SpecError("a single-label (softmax) model needs at least two classes")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise SpecError("mean and std need three values each, std positive")
        if self.spec_version != SPEC_VERSION:
            raise SpecError(f"spec_version {self.spec_version} is not supported (expected {SPEC_VERSION})")

    @property
    def num_outputs(self) -> int:
        return len(self.labels)

    @property
    def input_size(self) -> int:
        return self.size.input_size

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        """Rebuild a spec from `to_dict` output; raises SpecError on a malformed dict."""
        try:
            size = data["size"]
            return cls(
                kind=data["kind"],
                labels=tuple(data["labels"]),
                multilabel=bool(data["multilabel"]),
                size=SizeConfig(
                    name=size["name"],
                    input_size=int(size["input_size"]),
                    init_features=int(size["init_features"]),
                    growth_rate=int(size["growth_rate"]),
                    block_config=tuple(int(b) for b in size["block_config"]),
                    bn_size=int(size.get("bn_size", 4)),
                ),
                mean=tuple(float(v) for v in data.get("mean", IMAGENET_MEAN)),  # type: ignore[arg-type]
                std=tuple(float(v) for v in data.get("std", IMAGENET_STD)),  # type: ignore[arg-type]
                dropout_prob=float(data.get("dropout_prob", 0.0)),
                spec_version=int(data.get("spec_version", SPEC_VERSION)),
                extra=dict(data.get("extra", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"malformed model spec: {exc!r}") from exc

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise SpecError(f"model spec is not valid JSON: {exc}") from exc

    def with_size(self, size: str | SizeConfig) -> ModelSpec:
        return replace(self, size=size_config(size) if isinstance(size, str) else size)


def _size(size: str | SizeConfig) -> SizeConfig:
    return size_config(size) if isinstance(size, str) else size


def chexnet_spec(
    size: str | SizeConfig = "full", labels: tuple[str, ...] = CHESTXRAY14_FINDINGS
) -> ModelSpec:
    """CheXNet: DenseNet with one sigmoid output per ChestX-ray14 finding."""
    return ModelSpec(kind="chexnet", labels=tuple(labels), multilabel=True, size=_size(size))


def oct_spec(size: str | SizeConfig = "full", labels: tuple[str, ...] = OCT_LABELS) -> ModelSpec:
    """Kermany-style OCT classifier: one softmax over CNV / DME / DRUSEN / NORMAL."""
    return ModelSpec(kind="oct", labels=tuple(labels), multilabel=False, size=_size(size))


def detector_spec(kind: str, size: str | SizeConfig = "tiny") -> ModelSpec:
    """A bad-image detector network: `rotation` (4-way), `inversion` (2-way) or `view` (3-way)."""
    labels = {"rotation": ROTATION_LABELS, "inversion": INVERSION_LABELS, "view": VIEW_LABELS}.get(kind)
    if labels is None:
        raise SpecError(f"unknown detector kind {kind!r}; choose rotation, inversion or view")
    return ModelSpec(kind=kind, labels=labels, multilabel=False, size=_size(size))
