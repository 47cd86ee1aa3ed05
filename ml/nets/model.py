"""The network: an input adapter in front of MONAI's DenseNet.

`ArbiterNet` takes a batch of grayscale images, `[B, H, W]` or `[B, 1, H, W]`, either uint8 (0..255)
or float in [0, 1], replicates them to three channels and applies the ImageNet normalisation inside
the module, so the same tensor form serves training, CPU scoring and the GPU warm-cache path (uint8
on the wire, normalised on the device). The wrapped `monai.networks.nets.DenseNet` keeps MONAI's own
parameter names under the `net.` prefix, which is what external weights are remapped to.

`forward` returns logits; `forward_with_embeddings` also returns the pooled penultimate features
(the embedding stored for diversity sampling and similar-case retrieval).
"""

from __future__ import annotations

import torch
from monai.networks.nets import DenseNet
from torch import nn

from ml.nets.errors import InputError
from ml.nets.spec import ModelSpec


class InputAdapter(nn.Module):
    """Grayscale batch -> 3-channel ImageNet-normalised float batch."""

    def __init__(self, mean: tuple[float, float, float], std: tuple[float, float, float]) -> None:
        super().__init__()
        self.register_buffer(
            "mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1), persistent=False
        )
        self.register_buffer(
            "inv_std", 1.0 / torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1), persistent=False
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(1)
        if x.dim() != 4 or x.shape[1] != 1:
            raise InputError(
                f"expected a grayscale batch [B, H, W] or [B, 1, H, W], got shape {tuple(x.shape)}"
            )
        x = x.float() * (1.0 / 255.0) if x.dtype == torch.uint8 else x.float()
        return (x - self.mean) * self.inv_std  # broadcasts 1 -> 3 channels


class ArbiterNet(nn.Module):
    """Input adapter + MONAI DenseNet, built from a `ModelSpec`."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.channels_last = False  # set by the scorer on GPUs: the normalised input goes NHWC
        s = spec.size
        self.adapter = InputAdapter(spec.mean, spec.std)
        self.net = DenseNet(
            spatial_dims=2,
            in_channels=3,
            out_channels=spec.num_outputs,
            init_features=s.init_features,
            growth_rate=s.growth_rate,
            block_config=s.block_config,
            bn_size=s.bn_size,
            dropout_prob=spec.dropout_prob,
        )

    @property
    def embedding_dim(self) -> int:
        return int(self.net.class_layers.out.in_features)

    @property
    def head(self) -> nn.Linear:
        """The final Linear layer (what the OCT bottleneck transfer retrains)."""
        return self.net.class_layers.out

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled penultimate features `[B, D]`."""
        cl = self.net.class_layers
        x = self.adapter(x)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return cl.flatten(cl.pool(cl.relu(self.net.features(x))))

    def forward_with_embeddings(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        emb = self.embed(x)
        return self.head(emb), emb

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        """Logits -> probabilities: sigmoid for multi-label specs, softmax otherwise."""
        return torch.sigmoid(logits) if self.spec.multilabel else torch.softmax(logits, dim=1)


def build_model(spec: ModelSpec, *, seed: int | None = None) -> ArbiterNet:
    """A freshly initialised network for `spec` (seeded initialisation when `seed` is given)."""
    if seed is None:
        return ArbiterNet(spec)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ArbiterNet(spec)
