"""CohortConfig: how big the synthetic cohort is and how often each quirk appears."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from synthetic.cxr import MAX_SIZE, MIN_SIZE
from synthetic.errors import SyntheticDataError


@dataclass
class CohortConfig:
    """Sizes and rates for ``generate_cohort``. Rates are per image unless stated otherwise."""

    seed: int = 0
    n_cxr_patients: int = 60  # ChestX-ray14 patients (1..max_followups images each)
    n_oct_patients: int = 20  # Kermany OCT2017 patients (1..4 B-scans each)
    n_pediatric: int = 20  # Kermany pediatric chest_xray patients (1..2 images each)
    image_size: int = 256
    misleading_rate: float = 0.1  # reports whose text disagrees with the image (missed / overcall)
    n_chexpert_patients: int = 30  # CheXpert-v1.0-small patients (1..3 studies each)
    n_dicom_patients: int = 20  # DICOM patients (1..2 studies each)
    normal_rate: float = 0.35  # chest images with no finding at all
    max_followups: int = 3  # ChestX-ray14 images per patient at most
    # quality-control quirks (per image; chest data sets)
    rotated_rate: float = 0.06  # rotated 90 / 180 / 270 degrees
    inverted_rate: float = 0.05  # stored as a negative
    lateral_rate: float = 0.06  # a lateral film labelled as frontal
    pediatric_rate: float = 0.05  # per patient, ChestX-ray14 and DICOM: a child (age < 10)
    non_chest_rate: float = 0.05  # hand / knee / abdomen film in a chest data set
    oct_qc: bool = False  # also rotate / invert OCT B-scans at the rates above
    # Google four-findings expert labels: share of ChestX-ray14 patients included, readers per image
    google4_fraction: float = 0.6
    google4_readers: int = 3
    # DICOM encoding mix (per image)
    dicom_two_view_rate: float = 0.35  # PA studies that also have a lateral (LL) image
    dicom_monochrome1_rate: float = 0.3
    dicom_rescale_rate: float = 0.3  # Rescale Slope/Intercept other than 1/0
    dicom_voi_lut_rate: float = 0.2  # VOI LUT Sequence
    dicom_rle_rate: float = 0.15
    dicom_j2k_rate: float = 0.15
    dicom_implicit_rate: float = 0.1
    dicom_sr_rate: float = 0.25  # per study: a Basic Text SR with the report
    test_fraction: float = 0.2  # Kermany test split, per patient
    chexpert_valid_fraction: float = 0.15  # CheXpert valid split, per patient
    jpeg_quality: int = 95

    def validate(self) -> None:
        """Raise SyntheticDataError naming the first bad field."""
        counts = (
            "n_cxr_patients",
            "n_oct_patients",
            "n_pediatric",
            "n_chexpert_patients",
            "n_dicom_patients",
        )
        for name in counts:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise SyntheticDataError(f"CohortConfig.{name} must be a non-negative integer, got {value!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SyntheticDataError(f"CohortConfig.seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.image_size, int) or not MIN_SIZE <= self.image_size <= MAX_SIZE:
            raise SyntheticDataError(
                f"CohortConfig.image_size must be in [{MIN_SIZE}, {MAX_SIZE}], got {self.image_size!r}"
            )
        if not isinstance(self.max_followups, int) or self.max_followups < 1:
            raise SyntheticDataError(f"CohortConfig.max_followups must be >= 1, got {self.max_followups!r}")
        if not isinstance(self.google4_readers, int) or self.google4_readers < 1:
            raise SyntheticDataError(
                f"CohortConfig.google4_readers must be >= 1, got {self.google4_readers!r}"
            )
        if not 1 <= self.jpeg_quality <= 100:
            raise SyntheticDataError(
                f"CohortConfig.jpeg_quality must be in [1, 100], got {self.jpeg_quality!r}"
            )
        for f in fields(self):
            if f.name.endswith(("_rate", "_fraction")):
                value = getattr(self, f.name)
                if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                    raise SyntheticDataError(f"CohortConfig.{f.name} must be in [0, 1], got {value!r}")
        if self.dicom_rle_rate + self.dicom_j2k_rate + self.dicom_implicit_rate > 1.0:
            raise SyntheticDataError(
                "CohortConfig: dicom_rle_rate + dicom_j2k_rate + dicom_implicit_rate must be <= 1"
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
