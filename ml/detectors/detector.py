"""Model-backed bad-image detectors: rotation, inversion and view / body part.

Each wraps a small `ArbiterNet` (softmax) and turns its probabilities into `QCFlag`s: one list per
image, one flag per problem the detector judges (rotation -> `rotated`; inversion -> `inverted`; view ->
`non_frontal` and `wrong_body_part`). A flag is raised when its probability reaches the detector's
threshold. Detectors save to and load from Arbiter checkpoints (threshold and metrics in metadata).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ml.detectors.flags import INVERTED, NON_FRONTAL, ROTATED, WRONG_BODY_PART, QCFlag
from ml.inference.engine import score
from ml.nets.checkpoint import load_checkpoint, save_checkpoint
from ml.nets.errors import CheckpointError, InputError
from ml.nets.model import ArbiterNet


@dataclass
class ImageDetector:
    """A trained detector network plus the probability threshold at which it raises flags."""

    model: ArbiterNet
    threshold: float = 0.5
    metrics: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if self.model.spec.kind != self.kind:
            raise InputError(
                f"{type(self).__name__} needs a {self.kind!r} model, got {self.model.spec.kind!r}"
            )
        if not 0.0 < self.threshold <= 1.0:
            raise InputError(f"threshold must lie in (0, 1], got {self.threshold}")

    def predict_proba(
        self, images: np.ndarray | Sequence[np.ndarray], *, batch_size: int = 256, device: str = "auto"
    ) -> np.ndarray:
        """Class probabilities `[N, C]` in the order of `model.spec.labels`."""
        return score(self.model, images, batch_size=batch_size, device=device).probs

    def detect(
        self, images: np.ndarray | Sequence[np.ndarray], *, batch_size: int = 256, device: str = "auto"
    ) -> list[list[QCFlag]]:
        """Flags for each image (float [0, 1] or uint8, any size)."""
        probs = self.predict_proba(images, batch_size=batch_size, device=device)
        return [self.flags_from_probs(p) for p in probs]

    def flags_from_probs(self, p: np.ndarray) -> list[QCFlag]:
        raise NotImplementedError

    def _probs_detail(self, p: np.ndarray) -> dict[str, float]:
        return {label: round(float(v), 6) for label, v in zip(self.model.spec.labels, p, strict=True)}

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> None:
        meta = {"threshold": self.threshold, "metrics": self.metrics, **(metadata or {})}
        save_checkpoint(path, self.model, meta)


class RotationDetector(ImageDetector):
    """4-way: the image is turned 0/90/180/270 degrees counter-clockwise from upright."""

    kind = "rotation"

    def flags_from_probs(self, p: np.ndarray) -> list[QCFlag]:
        k = int(p.argmax())
        prob = float(1.0 - p[0])
        return [
            QCFlag(
                kind=ROTATED,
                probability=prob,
                flagged=prob >= self.threshold,
                detail={
                    "predicted_rotation": 90 * k,  # counter-clockwise degrees, as numpy.rot90 turns
                    "correction": f"numpy.rot90(image, {-k % 4})" if k else None,
                    "probabilities": self._probs_detail(p),
                },
            )
        ]


class InversionDetector(ImageDetector):
    """2-way: are the grey levels inverted (bright air, dark bone)?"""

    kind = "inversion"

    def flags_from_probs(self, p: np.ndarray) -> list[QCFlag]:
        prob = float(p[1])
        return [QCFlag(kind=INVERTED, probability=prob, flagged=prob >= self.threshold, detail={})]


class ViewClassifier(ImageDetector):
    """3-way: frontal chest, lateral chest, or another body part."""

    kind = "view"

    def flags_from_probs(self, p: np.ndarray) -> list[QCFlag]:
        labels = self.model.spec.labels
        lateral, other = float(p[labels.index("lateral")]), float(p[labels.index("other")])
        detail = {"predicted": labels[int(p.argmax())], "probabilities": self._probs_detail(p)}
        return [
            QCFlag(kind=NON_FRONTAL, probability=lateral, flagged=lateral >= self.threshold, detail=detail),
            QCFlag(kind=WRONG_BODY_PART, probability=other, flagged=other >= self.threshold, detail=detail),
        ]


DETECTOR_CLASSES: dict[str, type[ImageDetector]] = {
    cls.kind: cls for cls in (RotationDetector, InversionDetector, ViewClassifier)
}


def load_detector(path: str | Path) -> ImageDetector:
    """Rebuild any detector saved with `ImageDetector.save`."""
    ckpt = load_checkpoint(path)
    cls = DETECTOR_CLASSES.get(ckpt.spec.kind)
    if cls is None:
        raise CheckpointError(f"{Path(path).name} holds a {ckpt.spec.kind!r} model, not a bad-image detector")
    return cls(
        model=ckpt.model,
        threshold=float(ckpt.metadata.get("threshold", 0.5)),
        metrics=dict(ckpt.metadata.get("metrics", {})),
    )
