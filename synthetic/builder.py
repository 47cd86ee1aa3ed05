"""The shared state and helpers every data-set writer uses while a cohort is generated.

``CohortBuilder`` derives per-item generators from the seed, samples findings and quality-control
quirks, renders and encodes rasters (8-bit PNG / baseline JPEG with no metadata chunks), and
collects the ground-truth records and the list of files written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from synthetic._ids import item_rng
from synthetic.config import CohortConfig
from synthetic.cxr import CXR14_FINDINGS, render_cxr
from synthetic.ground_truth import ImageTruth, ReportTruth

# P(finding | abnormal image). With normal_rate 0.35 the large-shadow findings (cardiomegaly,
# effusion, pneumothorax, consolidation, mass, edema) each land at >= 15 % of chest images.
PREVALENCE: dict[str, float] = {
    "Atelectasis": 0.25,
    "Cardiomegaly": 0.3,
    "Effusion": 0.32,
    "Infiltration": 0.24,
    "Mass": 0.25,
    "Nodule": 0.2,
    "Pneumonia": 0.2,
    "Pneumothorax": 0.28,
    "Consolidation": 0.25,
    "Edema": 0.25,
    "Emphysema": 0.16,
    "Fibrosis": 0.14,
    "Pleural_Thickening": 0.14,
    "Hernia": 0.1,
}
CHRONIC = frozenset(
    {"Cardiomegaly", "Emphysema", "Fibrosis", "Hernia", "Pleural_Thickening", "Mass", "Nodule"}
)
NON_CHEST = ("HAND", "KNEE", "ABDOMEN")
ROTATIONS = (90, 180, 270)


def sample_findings(rng: np.random.Generator, normal_rate: float = 0.35) -> frozenset[str]:
    """Draw a finding set: empty with probability ``normal_rate``, else at least one finding."""
    if rng.random() < normal_rate:
        return frozenset()
    p = np.array([PREVALENCE[f] for f in CXR14_FINDINGS])
    while True:
        hits = rng.random(len(CXR14_FINDINGS)) < p
        if hits.any():
            return frozenset(f for f, h in zip(CXR14_FINDINGS, hits, strict=True) if h)


def follow_up_findings(rng: np.random.Generator, prior: frozenset[str], normal_rate: float) -> frozenset[str]:
    """Findings at the next visit: chronic ones mostly persist, acute ones often resolve."""
    keep = {f for f in CXR14_FINDINGS if f in prior and rng.random() < (0.9 if f in CHRONIC else 0.5)}
    new = sample_findings(rng, min(0.95, normal_rate + 0.35))
    return frozenset(keep | new)


@dataclass(frozen=True)
class Quirks:
    """Quality-control quirks of one image."""

    body_part: str = "CHEST"
    lateral: bool = False  # a lateral film where a frontal one is expected
    rotation: int = 0
    inverted: bool = False


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def apply_quirks(image: np.ndarray, quirks: Quirks) -> np.ndarray:
    """Rotate clockwise by ``quirks.rotation`` degrees and invert if asked."""
    out = np.rot90(image, k=-(quirks.rotation // 90)) if quirks.rotation else image
    if quirks.inverted:
        out = 1.0 - out
    return np.ascontiguousarray(out, dtype=np.float32)


class CohortBuilder:
    """Collects what a cohort run writes; one instance per ``generate_cohort`` call."""

    def __init__(self, out_dir: Path, config: CohortConfig) -> None:
        self.out_dir = out_dir
        self.config = config
        self.images: list[ImageTruth] = []
        self.reports: list[ReportTruth] = []
        self.files: list[Path] = []

    # ---- randomness
    def rng(self, *parts: object) -> np.random.Generator:
        return item_rng(self.config.seed, *parts)

    def quirks(
        self,
        rng: np.random.Generator,
        *,
        chest: bool = True,
        allow_lateral: bool = True,
        allow_non_chest: bool = True,
    ) -> Quirks:
        """Draw the QC quirks of one image at the configured rates (fixed number of draws)."""
        c = self.config
        u = rng.random(5)
        rotation = ROTATIONS[int(rng.integers(3))]
        part = NON_CHEST[int(rng.integers(3))]
        body_part = part if chest and allow_non_chest and u[0] < c.non_chest_rate else "CHEST"
        lateral = chest and allow_lateral and body_part == "CHEST" and u[1] < c.lateral_rate
        return Quirks(
            body_part=body_part if chest else "EYE",
            lateral=bool(lateral),
            rotation=rotation if u[2] < c.rotated_rate else 0,
            inverted=bool(u[3] < c.inverted_rate),
        )

    # ---- rendering
    def render_chest(
        self,
        rng: np.random.Generator,
        findings: frozenset[str],
        quirks: Quirks,
        *,
        view: str,
        pediatric: bool,
    ) -> np.ndarray:
        """Render and apply the quirks; returns float32 [0, 1]."""
        view = "LATERAL" if quirks.lateral else view
        shown = findings if quirks.body_part == "CHEST" else frozenset()
        image = render_cxr(
            rng,
            shown,
            size=self.config.image_size,
            view=view,
            body_part=quirks.body_part,
            pediatric=pediatric,
        )
        return apply_quirks(image, quirks)

    # ---- files
    def rel(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def save_png(self, path: Path, image: np.ndarray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        Image.fromarray(to_uint8(image), mode="L").save(buf, format="PNG", compress_level=6)
        path.write_bytes(buf.getvalue())
        self.files.append(path)

    def save_jpeg(self, path: Path, image: np.ndarray) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        Image.fromarray(to_uint8(image), mode="L").save(buf, format="JPEG", quality=self.config.jpeg_quality)
        path.write_bytes(buf.getvalue())
        self.files.append(path)

    def write_csv(
        self,
        path: Path,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        trailing_comma: bool = False,
    ) -> None:
        """Write a CSV with LF line ends; ``trailing_comma`` reproduces NIH's extra empty column."""
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        extra = [""] if trailing_comma else []
        writer.writerow([*header, *extra])
        for row in rows:
            writer.writerow([*row, *extra])
        path.write_text(buf.getvalue(), encoding="utf-8", newline="")
        self.files.append(path)

    def note(self, path: Path) -> None:
        self.files.append(path)
