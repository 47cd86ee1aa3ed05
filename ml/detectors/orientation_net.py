"""The orientation / inversion network: a small plain CNN that keeps where things are.

Five stages of two 3x3 convolutions (the first strided), then the last feature map is flattened (not
pooled) into two heads: the film's orientation (8 classes, see `dihedral`) and whether its grey
levels are inverted (2 classes). Keeping the map's layout matters here: "the heart is on the viewer's
right" and "the shoulders are at the top" are statements about position, which a global pool throws
away. ~0.5 M parameters at 128 px: it trains on a CPU in minutes and scores thousands of films a minute.

Saved as a plain dict (`format: arbiter-orientation`) loadable with `torch.load(weights_only=True)`.
Version 2 may carry the left-right mirror head (`mirror_net.MirrorNet`) beside the net in the same
file, version 3 also the laterality-marker head (`marker_net.MarkerNet`); version 1 and 2 files
(without them) still load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ml.detectors.conv_stages import conv_stages
from ml.detectors.dihedral import N_ORIENTATIONS
from ml.detectors.marker_net import MarkerNet
from ml.detectors.mirror_net import MirrorNet
from ml.nets.errors import CheckpointError, InputError

FORMAT = "arbiter-orientation"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
DEFAULT_SIZE = 128
DEFAULT_WIDTHS: tuple[int, ...] = (16, 32, 64, 96, 128)


class OrientationNet(nn.Module):
    """uint8 (or [0, 1] float) grayscale batch `[B, S, S]` -> (orientation logits [B, 8],
    inversion logits [B, 2])."""

    def __init__(self, size: int = DEFAULT_SIZE, widths: tuple[int, ...] = DEFAULT_WIDTHS) -> None:
        super().__init__()
        if size % (2 ** len(widths)) or size < 2 ** len(widths):
            raise InputError(f"input size {size} must be a multiple of {2 ** len(widths)}")
        self.size = int(size)
        self.widths = tuple(int(w) for w in widths)
        self.features, c = conv_stages(self.widths)
        side = size // 2 ** len(widths)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(c * side * side, N_ORIENTATIONS + 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.dim() != 3 or tuple(x.shape[1:]) != (self.size, self.size):
            raise InputError(f"expected a batch [B, {self.size}, {self.size}], got {tuple(x.shape)}")
        x = x.float() * (1.0 / 255.0) if x.dtype == torch.uint8 else x.float()
        z = self.features(((x - 0.5) * 4.0).unsqueeze(1))
        out = self.head(self.dropout(torch.flatten(z, 1)))
        return out[:, :N_ORIENTATIONS], out[:, N_ORIENTATIONS:]

    def config(self) -> dict[str, Any]:
        return {"size": self.size, "widths": list(self.widths)}


def save_net(
    path: str | Path,
    net: OrientationNet,
    metadata: dict[str, Any] | None = None,
    mirror: MirrorNet | None = None,
    marker: MarkerNet | None = None,
) -> None:
    """Write the net (and the mirror and marker heads, if any) atomically (a temporary file renamed
    into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": net.config(),
        "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
        "metadata": metadata or {},
    }
    if mirror is not None:
        payload["mirror"] = {
            "config": mirror.config(),
            "state_dict": {k: v.detach().cpu() for k, v in mirror.state_dict().items()},
        }
    if marker is not None:
        payload["marker"] = {
            "config": marker.config(),
            "state_dict": {k: v.detach().cpu() for k, v in marker.state_dict().items()},
        }
    torch.save(payload, tmp)
    tmp.replace(path)


def load_net(path: str | Path) -> tuple[OrientationNet, dict[str, Any]]:
    """The net saved by `save_net` (CPU, eval mode) and its metadata."""
    net, _, _, meta = load_nets(path)
    return net, meta


def load_nets(
    path: str | Path,
) -> tuple[OrientationNet, MirrorNet | None, MarkerNet | None, dict[str, Any]]:
    """The net, the mirror and marker heads (None in files without them) and the metadata saved by
    `save_net`."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"orientation weights not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"{path.name} is not readable weights ({type(exc).__name__}: {exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not an orientation detector ({FORMAT})")
    if payload.get("format_version") not in READABLE_VERSIONS:
        raise CheckpointError(
            f"{path.name} has format version {payload.get('format_version')}, expected one of "
            f"{', '.join(map(str, READABLE_VERSIONS))}"
        )
    cfg = payload.get("config") or {}
    mirror = marker = None
    try:
        net = OrientationNet(int(cfg["size"]), tuple(int(w) for w in cfg["widths"]))
        net.load_state_dict(payload["state_dict"], strict=True)
        if payload.get("mirror") is not None:
            mcfg = payload["mirror"]["config"]
            mirror = MirrorNet(int(mcfg["size"]), tuple(int(w) for w in mcfg["widths"]))
            mirror.load_state_dict(payload["mirror"]["state_dict"], strict=True)
            mirror.eval()
        if payload.get("marker") is not None:
            kcfg = payload["marker"]["config"]
            widths = tuple(int(w) for w in kcfg["widths"])
            marker = MarkerNet(int(kcfg["size"]), float(kcfg["corner"]), widths)
            marker.load_state_dict(payload["marker"]["state_dict"], strict=True)
            marker.eval()
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{path.name}: weights do not match their config: {exc}") from exc
    if mirror is not None and mirror.size != 2 * net.size:
        raise CheckpointError(f"{path.name}: the mirror head reads {mirror.size} px, not twice {net.size}")
    if marker is not None and marker.size != 2 * net.size:
        raise CheckpointError(f"{path.name}: the marker head reads {marker.size} px, not twice {net.size}")
    net.eval()
    return net, mirror, marker, dict(payload.get("metadata") or {})
