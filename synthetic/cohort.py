"""generate_cohort: write a whole synthetic cohort in the published data-set layouts.

One call writes ChestX-ray14 (+ Google four-findings labels), CheXpert-v1.0-small, Kermany OCT2017
and pediatric chest_xray folders, chest DICOM studies with reports.csv and SR, and the ground
truth under ground_truth/. Same config (seed included) -> byte-identical files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from synthetic.builder import CohortBuilder, sample_findings
from synthetic.chexpert import CHEXPERT_DIR, build_chexpert
from synthetic.config import CohortConfig
from synthetic.dicom_cohort import DICOM_DIR, REPORTS_CSV, build_dicom
from synthetic.errors import SyntheticDataError
from synthetic.ground_truth import (
    GROUND_TRUTH_DIR,
    GroundTruth,
    ImageTruth,
    ReportTruth,
    load_ground_truth,
    write_ground_truth,
)
from synthetic.kermany import OCT_DIR, PEDIATRIC_DIR, build_oct, build_pediatric
from synthetic.nih import CXR14_DIR, GOOGLE4_DIR, build_chestxray14

__all__ = [
    "CohortConfig",
    "CohortManifest",
    "GroundTruth",
    "ImageTruth",
    "ReportTruth",
    "generate_cohort",
    "load_ground_truth",
    "sample_findings",
]

DATASETS: tuple[str, ...] = ("chestxray14", "chexpert", "oct", "pediatric", "dicom")
# Top-level entries generate_cohort owns; only these are removed when overwriting.
OWNED_ENTRIES: tuple[str, ...] = (
    CXR14_DIR,
    GOOGLE4_DIR,
    CHEXPERT_DIR,
    OCT_DIR,
    PEDIATRIC_DIR,
    DICOM_DIR,
    REPORTS_CSV,
    GROUND_TRUTH_DIR,
)


@dataclass
class CohortManifest:
    """What ``generate_cohort`` wrote."""

    out_dir: Path
    config: CohortConfig
    counts: dict[str, int]  # images per data set, plus reports / dicom_studies / sr_files / files
    image_paths: dict[str, list[str]]  # data set -> image paths relative to out_dir
    files: list[str] = field(default_factory=list)  # every file written, relative, sorted
    ground_truth_dir: Path = Path()

    def ground_truth(self) -> GroundTruth:
        return load_ground_truth(self.out_dir)


def generate_cohort(out_dir: Path, config: CohortConfig) -> CohortManifest:
    """Write the cohort under ``out_dir`` (created if missing; earlier cohort output replaced).

    Only the entries this generator owns (``OWNED_ENTRIES``) are removed before writing, so an
    unrelated file in ``out_dir`` survives and a second run with the same config reproduces the
    same bytes.
    """
    config.validate()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SyntheticDataError(f"{out_dir} exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OWNED_ENTRIES:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    b = CohortBuilder(out_dir, config)
    build_chestxray14(b)
    build_chexpert(b)
    build_oct(b)
    build_pediatric(b)
    build_dicom(b)

    counts = {ds: sum(1 for i in b.images if i.dataset == ds) for ds in DATASETS}
    counts["images"] = len(b.images)
    counts["reports"] = len(b.reports)
    counts["dicom_studies"] = len({i.study_key for i in b.images if i.dataset == "dicom"})
    counts["sr_files"] = sum(1 for p in b.files if p.name.startswith("SR") and p.suffix == ".dcm")
    gt_files = write_ground_truth(out_dir, config.as_dict(), counts, b.images, b.reports)
    files = sorted({b.rel(p) for p in [*b.files, *gt_files]})
    counts["files"] = len(files)
    image_paths = {ds: [i.path for i in b.images if i.dataset == ds] for ds in DATASETS}
    return CohortManifest(
        out_dir=out_dir,
        config=config,
        counts=counts,
        image_paths=image_paths,
        files=files,
        ground_truth_dir=out_dir / GROUND_TRUTH_DIR,
    )
