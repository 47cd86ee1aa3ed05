"""A training run's configuration: parsed, checked and normalised once, when the run is created.

The admin sends a JSON object; every key is optional and unknown keys are refused (a typo must not
silently train with a default). The normalised form, defaults filled in, is what the run stores,
so two runs' configs compare field by field:

    {"size": "tiny",                      # tiny (64 px, CPU) or full (DenseNet-121, 224 px)
     "epochs": 10, "batch_size": 16, "lr": 0.001, "early_stopping_patience": 3,
     "weight_decay": 0.0, "lr_patience": 1, "hflip": true, "seed": 0,
     "weak_labels": {"use_weak": true, "uncertainty": "ignore", "weak_weight": 1.0, "blank": "mask"},
     "split": {"train": 0.7, "validation": 0.1, "test": 0.2},
     "threshold": 0.5, "n_boot": 1000,     # evaluation: sens/spec threshold, bootstrap resamples
     "device": "auto", "threads": null,   # worker placement; threads caps torch's CPU threads
     "transfer_mode": "finetune",         # OCT: finetune, or bottleneck (Kermany et al.)
     "pretrained": "",                    # a weights file on the worker (torchvision / CheXNet / Arbiter)
     "exclude_implants": false}           # leave out images whose report mentions an implant

`weak_labels` is the CheXpert uncertainty policy (U-Ignore / U-Ones / U-Zeros) for NLP labels used
as weak labels on the training split; validation and test are adjudicated labels only. (A
single-choice run, OCT, uses the weak classes but not `weak_weight`: its softmax loss takes no
per-item weight.) `split`
fractions apply to patients not yet assigned a split: once assigned (by the first run that sees
them) a patient's split is stored and never changes, so the adjudicated test set stays fixed.
`exclude_implants` leaves out, from every split, the images whose report the NLP pipeline flagged
as mentioning an implant (ReportFlag Implant, positive), as Oakden-Rayner excluded hip prostheses;
the run's data snapshot counts them.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from annotations.errors import InvalidInputError
from ml.nets.errors import SpecError
from ml.nets.spec import SIZES
from ml.nets.train import TrainConfig
from ml.transfer import TRANSFER_MODES
from ml.weak_labels import WeakLabelError, WeakLabelPolicy

TRAIN_KEYS = (
    "epochs",
    "batch_size",
    "lr",
    "early_stopping_patience",
    "weight_decay",
    "lr_patience",
    "hflip",
    "seed",
)
DEFAULT_SPLIT = {"train": 0.7, "validation": 0.1, "test": 0.2}
MAX_EPOCHS = 1000
MAX_BOOT = 10_000


class RunConfigError(InvalidInputError):
    code = "invalid_config"


@dataclass(frozen=True)
class RunConfig:
    size: str
    train: TrainConfig
    weak_labels: WeakLabelPolicy
    split: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPLIT))
    threshold: float = 0.5
    n_boot: int = 1000
    device: str = "auto"
    threads: int | None = None
    transfer_mode: str = "finetune"
    pretrained: str = ""
    exclude_implants: bool = False

    def to_dict(self) -> dict[str, Any]:
        train = self.train.to_dict()
        return {
            "size": self.size,
            **{k: train[k] for k in TRAIN_KEYS},
            "weak_labels": self.weak_labels.to_dict(),
            "split": dict(self.split),
            "threshold": self.threshold,
            "n_boot": self.n_boot,
            "device": self.device,
            "threads": self.threads,
            "transfer_mode": self.transfer_mode,
            "pretrained": self.pretrained,
            "exclude_implants": self.exclude_implants,
        }


def _number(raw: dict, key: str, default, kind=float, lo=None, hi=None):
    value = raw.get(key, default)
    if value is None and default is None:
        return None
    whole = isinstance(value, int) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if isinstance(value, bool) or not finite or (kind is int and not whole):
        raise RunConfigError(f"{key} must be {'an integer' if kind is int else 'a number'}, got {value!r}")
    value = kind(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise RunConfigError(f"{key} must be between {lo} and {hi}, got {value!r}")
    return value


def _split(raw: Any) -> dict[str, float]:
    if raw is None:
        return dict(DEFAULT_SPLIT)
    if not isinstance(raw, dict) or set(raw) - set(DEFAULT_SPLIT):
        raise RunConfigError("split must be an object with train, validation and test fractions")
    out = {k: _number(raw, k, DEFAULT_SPLIT[k], float, 0.0, 1.0) for k in DEFAULT_SPLIT}
    if abs(sum(out.values()) - 1.0) > 1e-6:
        raise RunConfigError(f"split fractions must sum to 1, got {sum(out.values()):.4f}")
    if out["train"] <= 0 or out["validation"] <= 0 or out["test"] <= 0:
        raise RunConfigError("every split (train, validation, test) needs a positive fraction")
    return out


def run_config_parse(raw: dict | None) -> RunConfig:
    """The normalised run config, or RunConfigError naming the first problem."""
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise RunConfigError("config must be a JSON object")
    known = {*TRAIN_KEYS, *RunConfig.__dataclass_fields__} - {"train"}
    if unknown := sorted(set(raw) - known):
        raise RunConfigError(f"unknown config key(s) {unknown}; allowed: {sorted(known)}")
    size = raw.get("size", getattr(settings, "ARBITER_MODEL_SIZE", "tiny"))
    if size not in SIZES:
        raise RunConfigError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    defaults = TrainConfig()
    hflip = raw.get("hflip", defaults.hflip)
    if not isinstance(hflip, bool):
        raise RunConfigError(f"hflip must be true or false, got {hflip!r}")
    try:
        train = TrainConfig(
            epochs=_number(raw, "epochs", defaults.epochs, int, 1, MAX_EPOCHS),
            batch_size=_number(raw, "batch_size", defaults.batch_size, int, 2, 4096),
            lr=_number(raw, "lr", defaults.lr, float, 1e-8, 1.0),
            early_stopping_patience=_number(
                raw, "early_stopping_patience", defaults.early_stopping_patience, int, 1, MAX_EPOCHS
            ),
            weight_decay=_number(raw, "weight_decay", defaults.weight_decay, float, 0.0, 1.0),
            lr_patience=_number(raw, "lr_patience", defaults.lr_patience, int, 0, MAX_EPOCHS),
            hflip=hflip,
            seed=_number(raw, "seed", defaults.seed, int, 0, 2**31 - 1),
        )
    except SpecError as exc:
        raise RunConfigError(str(exc)) from exc
    weak = raw.get("weak_labels", {})
    if not isinstance(weak, dict) or set(weak) - set(WeakLabelPolicy.__dataclass_fields__):
        raise RunConfigError(
            f"weak_labels must be an object with keys among {sorted(WeakLabelPolicy.__dataclass_fields__)}"
        )
    if "use_weak" in weak and not isinstance(weak["use_weak"], bool):
        raise RunConfigError("weak_labels.use_weak must be true or false")
    try:
        policy = WeakLabelPolicy(**weak)
    except (WeakLabelError, TypeError) as exc:
        raise RunConfigError(f"weak_labels: {exc}") from exc
    device = raw.get("device", "auto")
    if not isinstance(device, str) or not (device in ("auto", "cpu") or device.startswith("cuda")):
        raise RunConfigError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
    transfer = raw.get("transfer_mode", "finetune")
    if transfer not in TRANSFER_MODES:
        raise RunConfigError(f"transfer_mode must be one of {list(TRANSFER_MODES)}, got {transfer!r}")
    pretrained = raw.get("pretrained", "")
    if not isinstance(pretrained, str):
        raise RunConfigError("pretrained must be a path (text) on the worker, or empty")
    exclude_implants = raw.get("exclude_implants", False)
    if not isinstance(exclude_implants, bool):
        raise RunConfigError(f"exclude_implants must be true or false, got {exclude_implants!r}")
    return RunConfig(
        size=size,
        train=train,
        weak_labels=policy,
        split=_split(raw.get("split")),
        threshold=_number(raw, "threshold", 0.5, float, 0.0, 1.0),
        n_boot=_number(raw, "n_boot", 1000, int, 0, MAX_BOOT),
        device=device,
        threads=_number(raw, "threads", None, int, 1, 256),
        transfer_mode=transfer,
        pretrained=pretrained,
        exclude_implants=exclude_implants,
    )
