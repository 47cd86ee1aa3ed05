"""Nets with non-trivial batch-norm statistics, so eval-mode tests see more than the identity."""

from __future__ import annotations

import torch


def randomised_bn(net: torch.nn.Module) -> torch.nn.Module:
    """`net` in eval mode with its batch-norm running means in [-0.2, 0.2] and variances in
    [0.5, 2] (drawn from torch's global generator: seed it first for repeatable nets)."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    return net.eval()
