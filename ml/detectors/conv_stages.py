"""The convolution stages the detector nets are built from.

Each stage halves the map and applies two 3 x 3 convolutions, each followed by batch norm and ReLU.
With `patch`, the first stage instead cuts the input into `patch` x `patch` patches (kernel and stride
`patch`, no padding). The orientation net, the mirror head and the marker head all use it, so the
layer layout, and with it the names in their saved weights, is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn


def conv_stages(widths: Sequence[int], *, patch: int = 0) -> tuple[nn.Sequential, int]:
    """The stages for a one-channel input, and the channel count they end with."""
    layers: list[nn.Module] = []
    c = 1
    for i, w in enumerate(widths):
        first = (
            nn.Conv2d(c, w, patch, patch, 0, bias=False)
            if i == 0 and patch
            else nn.Conv2d(c, w, 3, 2, 1, bias=False)
        )
        layers += [
            first,
            nn.BatchNorm2d(w),
            nn.ReLU(inplace=True),
            nn.Conv2d(w, w, 3, 1, 1, bias=False),
            nn.BatchNorm2d(w),
            nn.ReLU(inplace=True),
        ]
        c = w
    return nn.Sequential(*layers), c
