"""The orientation / inversion network: a small plain CNN that keeps where things are.

Five stages of two 3x3 convolutions (the first strided), then the last feature map is flattened (not
pooled) into two heads: the film's orientation (8 classes, see `dihedral`) and whether its grey
levels are inverted (2 classes). Keeping the map's layout matters here: "the heart is on the viewer's
right" and "the shoulders are at the top" are statements about position, which a global pool throws
away. ~0.5 M parameters at 128 px: it trains on a CPU in minutes and scores thousands of films a minute.

Saved as a plain dict (`format: arbiter-orientation`) loadable with `torch.load(weights_only=True)`.
Version 2 may carry the left-right mirror head (`mirror_net.MirrorNet`) beside the net in the same
file, version 3 also the laterality-marker head (`marker_net.MarkerNet`), version 4 several of each
(`head_ensemble`: seeds averaged) as lists; version 1, 2 and 3 files still load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ml.detectors.conv_stages import conv_stages
from ml.detectors.dihedral import N_ORIENTATIONS
from ml.detectors.head_ensemble import ensemble, members_of
from ml.detectors.marker_net import MarkerNet
from ml.detectors.mirror_net import MirrorNet
from ml.nets.errors import CheckpointError, InputError

FORMAT = "arbiter-orientation"
FORMAT_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
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


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def _heads_payload(head: nn.Module) -> list[dict[str, Any]]:
    return [{"config": m.config(), "state_dict": _cpu_state(m)} for m in members_of(head)]


def save_net(
    path: str | Path,
    net: OrientationNet,
    metadata: dict[str, Any] | None = None,
    mirror: nn.Module | None = None,
    marker: nn.Module | None = None,
) -> None:
    """Write the net (and the mirror and marker heads, if any, each one head or an ensemble) atomically
    (a temporary file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    payload: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": net.config(),
        "state_dict": _cpu_state(net),
        "metadata": metadata or {},
    }
    if mirror is not None:
        payload["mirrors"] = _heads_payload(mirror)
    if marker is not None:
        payload["markers"] = _heads_payload(marker)
    torch.save(payload, tmp)
    tmp.replace(path)


def load_net(path: str | Path) -> tuple[OrientationNet, dict[str, Any]]:
    """The net saved by `save_net` (CPU, eval mode) and its metadata."""
    net, _, _, meta = load_nets(path)
    return net, meta


#: How each kind of head is rebuilt from the config it saved.
_HEAD_KINDS: dict[str, Callable[[dict[str, Any]], nn.Module]] = {
    "mirror": lambda c: MirrorNet(int(c["size"]), tuple(int(w) for w in c["widths"])),
    "marker": lambda c: MarkerNet(int(c["size"]), float(c["corner"]), tuple(int(w) for w in c["widths"])),
}


def _loaded_heads(payload: dict[str, Any], kind: str) -> nn.Module | None:
    """One kind of head from a payload: its list of members (version 4, under `kind + "s"`) or the
    single head (versions 2 and 3, under `kind`), as one head or an ensemble; None if absent."""
    entries = payload.get(kind + "s")
    if entries is None:
        entries = [payload[kind]] if payload.get(kind) is not None else []
    heads = []
    for entry in entries:
        head = _HEAD_KINDS[kind](entry["config"])
        head.load_state_dict(entry["state_dict"], strict=True)
        heads.append(head.eval())
    return ensemble(heads) if heads else None


def load_nets(
    path: str | Path,
) -> tuple[OrientationNet, nn.Module | None, nn.Module | None, dict[str, Any]]:
    """The net, the mirror and marker heads (one head or an ensemble; None in files without them)
    and the metadata saved by `save_net`."""
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
    try:
        net = OrientationNet(int(cfg["size"]), tuple(int(w) for w in cfg["widths"]))
        net.load_state_dict(payload["state_dict"], strict=True)
        mirror, marker = _loaded_heads(payload, "mirror"), _loaded_heads(payload, "marker")
    except (KeyError, TypeError, ValueError, RuntimeError, InputError) as exc:
        raise CheckpointError(f"{path.name}: weights do not match their config: {exc}") from exc
    for kind, head in (("mirror", mirror), ("marker", marker)):
        if head is not None and head.size != 2 * net.size:
            raise CheckpointError(f"{path.name}: the {kind} head reads {head.size} px, not twice {net.size}")
    net.eval()
    return net, mirror, marker, dict(payload.get("metadata") or {})
