"""The orientation / inversion detector: rotated, mirrored and inverted films, with the fix for each.

Scoring checks all eight orientations of each film (test-time augmentation over the dihedral group):
if the film is the upright film distorted by `g`, then turning it by `h` gives `h∘g`, so the net's
answer for every view `h` is evidence about `g`. The per-view log-probabilities are averaged under
that bookkeeping, which makes the verdict much steadier than one look. Inversion is averaged over the
same eight views.

Flags (kinds from `flags`): `rotated` when the most likely distortion is a pure turn, `flipped` when
it includes a mirror (a left-right mirror puts the heart on the viewer's left: true dextrocardia is the
rare real film that looks like this, so a person confirms), `inverted`; each flag's probability is
the probability the film is not upright (or is inverted), and its detail holds the suggested fix.
Films known to be laterals are judged up to a left-right mirror (a lateral may face either way).

With a mirror head (`mirror_net`, shipped since orientation-v2) the left-right question is settled at
twice the resolution: the net names the most likely turn, the film is turned back by it, and the
head's antisymmetric log-odds on that upright film and its mirror decide whether a mirror came with
the turn; the turn's probability is split by them. The net decides which turn. The detector's input
is then the head's size (256 px); the net reads the same films pooled 2 x 2. A laterality-marker head
(`marker_net`, since orientation-v3) is a second opinion asked the same way on the same upright film:
its log-odds come only from the film's two top corners, where the lead marker sits, and are added to
the mirror head's (two experts, multiplied). Each head may be an ensemble of seeds (`head_ensemble`,
since orientation-v4), whose log-odds are the mean of its members'. The net's own mirror log-odds
vote only in a detector without heads: it reads at half the heads' resolution what the mirror head
reads, and on real held-out films it was the weakest of the three and wrong on the same films as the
mirror head (ADR 0012, bench/qc/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ml.detectors.dihedral import (
    COMPOSE,
    INVERSE,
    N_ORIENTATIONS,
    NAMES,
    Fix,
    apply_torch,
    fix_for,
)
from ml.detectors.flags import FLIPPED, INVERTED, ROTATED, QCFlag
from ml.detectors.mirror_net import half, mirror_logit
from ml.detectors.orientation_net import OrientationNet, load_nets, save_net
from ml.inference.preprocess import prepare_batch
from ml.nets.errors import InputError

#: Flag when P(not upright) or P(inverted) reaches this (chosen on the development films' training
#: split, see bench/qc/README.md).
DEFAULT_THRESHOLD = 0.5
BATCH = 256


@dataclass(frozen=True)
class OrientationScores:
    """Per film: posterior over the eight orientations `[N, 8]` and P(inverted) `[N]`."""

    orientation: np.ndarray
    inverted: np.ndarray

    @property
    def not_upright(self) -> np.ndarray:
        return 1.0 - self.orientation[:, 0]


def _as_batch(images: np.ndarray | Sequence[np.ndarray], size: int) -> np.ndarray:
    if len(images) == 0:
        return np.zeros((0, size, size), np.uint8)
    return prepare_batch(images, size, "uint8")


@torch.no_grad()
def score_orientation(
    net: OrientationNet, images: np.ndarray | Sequence[np.ndarray], *, tta: bool = True
) -> OrientationScores:
    """Posterior orientation and inversion probability of each film (any size; uint8 or [0, 1])."""
    x_all = _as_batch(images, net.size)
    net.eval()
    views = range(N_ORIENTATIONS) if tta else range(1)
    orient_out, inv_out = [], []
    for lo in range(0, len(x_all), BATCH):
        x = torch.from_numpy(np.ascontiguousarray(x_all[lo : lo + BATCH]))
        stacked = torch.cat([apply_torch(x, h) for h in views])
        logits, inv_logits = net(stacked)
        logp = logits.log_softmax(1).view(len(views), len(x), N_ORIENTATIONS)
        # evidence for "the film is g": view h should read as h∘g
        total = torch.zeros(len(x), N_ORIENTATIONS)
        for h in views:
            total += logp[h][:, torch.as_tensor(COMPOSE[h])]
        orient_out.append((total / len(views)).softmax(1).numpy())
        inv_out.append(inv_logits.softmax(1)[:, 1].view(len(views), len(x)).mean(0).numpy())
    if not orient_out:
        return OrientationScores(np.zeros((0, N_ORIENTATIONS)), np.zeros(0))
    return OrientationScores(np.concatenate(orient_out), np.concatenate(inv_out))


@torch.no_grad()
def refine_mirror(
    heads: Sequence[nn.Module],
    images: np.ndarray | Sequence[np.ndarray],
    scores: OrientationScores,
) -> OrientationScores:
    """`scores` with each film's mirror question re-asked of the heads (the mirror head, the marker
    head, or both; each one head or an ensemble): for the most likely turn k, P(k) + P(mirror, then
    k) is split anew by the sum of the heads' log-odds on the film turned back (a product of the
    experts), and inverted back when the net finds it inverted. The net's own split is replaced."""
    if not heads or len({h.size for h in heads}) != 1:
        raise InputError("refine_mirror needs one or more heads reading the same size")
    size = heads[0].size
    x_all = _as_batch(images, size)
    post = scores.orientation.astype(np.float64, copy=True)
    if not len(post):
        return scores
    turn = post[:, :4] + post[:, 4:]
    k_hat = turn.argmax(1)
    for head in heads:
        head.eval()
    log_odds = np.zeros(len(post))
    for k in range(4):
        idx = np.flatnonzero(k_hat == k)
        for lo in range(0, len(idx), BATCH):
            sel = idx[lo : lo + BATCH]
            x = torch.from_numpy(np.ascontiguousarray(x_all[sel]))
            # the heads learnt from films with normal grey levels: films the net finds inverted are
            # inverted back before they look (the inversion verdict does not turn with the film)
            inv = torch.from_numpy(scores.inverted[sel] >= 0.5)
            x = torch.where(inv[:, None, None], 255 - x, x)
            upright = torch.rot90(x, -k, dims=(-2, -1)) if k else x  # undo the turn: the film or its mirror
            for head in heads:
                log_odds[sel] += mirror_logit(head, upright).double().numpy()
    rows = np.arange(len(post))
    t = turn[rows, k_hat]
    # independent opinions on the mirror, added as log-odds: the mirror head's (256 px, whole film)
    # and the marker head's (top corners); either can carry a film the other finds ambiguous
    p = 1.0 / (1.0 + np.exp(-log_odds))
    post[rows, k_hat] = t * (1.0 - p)
    post[rows, 4 + k_hat] = t * p
    return OrientationScores(post, scores.inverted)


def bad_element(posterior: np.ndarray) -> int:
    """The most likely distortion (never upright): what a raised flag names and undoes."""
    return 1 + int(np.asarray(posterior)[1:].argmax())


def flag_kind(g: int) -> str:
    """`flipped` for an element with a mirror in it, `rotated` for a pure turn."""
    return FLIPPED if g >= 4 else ROTATED


def flagged_as(scores: OrientationScores, kind: str) -> np.ndarray:
    """Per film, the probability of the orientation flag if it is of `kind`, else 0: what a
    detector of that kind alone would have raised."""
    kinds = np.array([flag_kind(bad_element(p)) for p in scores.orientation])
    return np.where(kinds == kind, scores.not_upright, 0.0)


@dataclass
class OrientationDetector:
    """The net plus the threshold at which it flags; saved with its metrics."""

    net: OrientationNet
    threshold: float = DEFAULT_THRESHOLD
    metrics: dict[str, Any] = field(default_factory=dict)
    mirror: nn.Module | None = None  # a `MirrorNet` or a `HeadEnsemble` of them
    marker: nn.Module | None = None  # a `MarkerNet` or a `HeadEnsemble` of them

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise InputError(f"threshold must lie in (0, 1], got {self.threshold}")
        for name, head in (("mirror", self.mirror), ("marker", self.marker)):
            if head is not None and head.size != 2 * self.net.size:
                raise InputError(f"the {name} head must read twice the net's {self.net.size} px")

    @property
    def heads(self) -> list[nn.Module]:
        """The heads that re-ask the left-right question (mirror, then marker), those present."""
        return [h for h in (self.mirror, self.marker) if h is not None]

    @property
    def input_size(self) -> int:
        """The size of the films it takes (the heads' when it has any)."""
        return 2 * self.net.size if self.heads else self.net.size

    def net_inputs(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """What the orientation net reads: films at `input_size`, pooled 2 x 2 when the detector
        has heads (the same path the shipped detector was trained through)."""
        x = _as_batch(images, self.input_size)
        return half(x) if self.heads else x

    def score(self, images: np.ndarray | Sequence[np.ndarray]) -> OrientationScores:
        if not self.heads:
            return score_orientation(self.net, images)
        x = _as_batch(images, self.input_size)
        return refine_mirror(self.heads, x, score_orientation(self.net, half(x)))

    def detect(
        self, images: np.ndarray | Sequence[np.ndarray], *, lateral: Sequence[bool] | None = None
    ) -> list[list[QCFlag]]:
        """All flags (raised or not) for each film; `lateral[i]` judges film i up to a mirror."""
        s = self.score(images)
        if lateral is not None and len(lateral) != len(s.inverted):
            raise InputError(f"{len(s.inverted)} images but {len(lateral)} lateral marks")
        return [
            self.flags_from_scores(s.orientation[i], float(s.inverted[i]), bool(lateral and lateral[i]))
            for i in range(len(s.inverted))
        ]

    def flags_from_scores(
        self, posterior: np.ndarray, p_inverted: float, lateral: bool = False
    ) -> list[QCFlag]:
        post = np.asarray(posterior, dtype=np.float64)
        if lateral:  # a mirrored lateral is fine: g and "mirror, then g" are the same verdict
            post = post[:4] + post[4:]
            post = np.concatenate([post, np.zeros(4)])
        g = bad_element(post)
        p_bad = float(1.0 - post[0])
        probabilities = {NAMES[i]: round(float(p), 6) for i, p in enumerate(post)}
        fix = fix_for(g)
        kind = flag_kind(g)
        orient = QCFlag(
            kind=kind,
            probability=p_bad,
            flagged=p_bad >= self.threshold,
            detail={
                "predicted": NAMES[g],
                "predicted_element": g,
                # counter-clockwise degrees of the turn, as numpy.rot90 turns (after any mirror)
                "predicted_rotation": 90 * (g % 4),
                "mirrored": g >= 4,
                "fix": fix.to_dict(),
                "fix_label": fix.label,
                "lateral": lateral,
                "probabilities": probabilities,
            },
        )
        inv_fix = Fix(invert=True)
        inverted = QCFlag(
            kind=INVERTED,
            probability=float(p_inverted),
            flagged=p_inverted >= self.threshold,
            detail={"fix": inv_fix.to_dict(), "fix_label": inv_fix.label},
        )
        return [orient, inverted]

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        save_net(
            path,
            self.net,
            {"threshold": self.threshold, "metrics": self.metrics, **(metadata or {})},
            mirror=self.mirror,
            marker=self.marker,
        )

    def config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = dict(self.net.config())
        if self.mirror is not None:
            cfg["mirror"] = self.mirror.config()
        if self.marker is not None:
            cfg["marker"] = self.marker.config()
        return cfg


def load_orientation_detector(path: str | Path) -> OrientationDetector:
    net, mirror, marker, meta = load_nets(path)
    return OrientationDetector(
        net=net,
        threshold=float(meta.get("threshold", DEFAULT_THRESHOLD)),
        metrics=dict(meta.get("metrics", {})),
        mirror=mirror,
        marker=marker,
    )


__all__ = [
    "DEFAULT_THRESHOLD",
    "INVERSE",
    "OrientationDetector",
    "OrientationScores",
    "load_orientation_detector",
    "score_orientation",
]
