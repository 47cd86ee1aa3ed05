"""Choosing where and how a model runs: device, precision, memory format.

`auto` means CUDA when a GPU is visible, else CPU. On a GPU the defaults are bf16 autocast and
channels-last tensors (what Hopper's tensor cores want); on the CPU, fp32 eager, which is
deterministic for a given batch size and thread count.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ml.nets.errors import InputError

PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class RunSettings:
    device: torch.device
    precision: str  # "fp32" or "bf16"
    channels_last: bool

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return torch.bfloat16 if self.precision == "bf16" else None

    def describe(self) -> str:
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "cpu"
        fmt = "channels_last" if self.channels_last else "contiguous"
        return f"{name} {self.precision} {fmt}"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """`auto` -> cuda if available else cpu; `cuda` without a GPU is an error the user can act on."""
    if isinstance(device, torch.device):
        dev = device
    elif device == "auto":
        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            dev = torch.device(device)
        except RuntimeError as exc:
            raise InputError(f"unknown device {device!r}; use 'auto', 'cpu' or 'cuda[:N]'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' was asked for but no CUDA GPU is visible; use device='auto' or 'cpu'")
    return dev


def resolve_settings(
    device: str | torch.device = "auto", precision: str = "auto", channels_last: bool | None = None
) -> RunSettings:
    dev = resolve_device(device)
    if precision not in PRECISIONS:
        raise InputError(f"unknown precision {precision!r}; choose one of {PRECISIONS}")
    if precision == "auto":
        precision = "bf16" if dev.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    if precision == "bf16" and dev.type != "cuda":
        raise InputError("bf16 scoring is for GPUs; on the CPU use precision='fp32' (or 'auto')")
    if channels_last is None:
        channels_last = dev.type == "cuda"
    return RunSettings(device=dev, precision=precision, channels_last=bool(channels_last))
