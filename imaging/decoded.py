"""Plain data produced by the decoders: header metadata and decoded pixels (no pydicom objects).

``DecodedImage.pixels`` always holds MODALITY values (stored value * Rescale Slope + Rescale
Intercept, or the Modality LUT output) as a 2-D float32 array. Nothing is inverted or windowed here:
MONOCHROME1 inversion and VOI (window or LUT) belong to rendering (see ``render.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np


@dataclass(frozen=True)
class DicomMeta:
    """Header fields the platform stores. Strings are '' when absent; numbers None when absent."""

    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    patient_age_years: float | None
    patient_sex: str
    accession_number: str
    study_date: date | None
    modality: str
    view_position: str
    body_part: str
    rows: int
    cols: int
    bits_stored: int
    photometric_interpretation: str
    transfer_syntax_uid: str
    window_center: float | None
    window_width: float | None
    rescale_slope: float
    rescale_intercept: float
    number_of_frames: int
    sop_class_uid: str = ""
    samples_per_pixel: int = 1
    bits_allocated: int = 0
    pixel_representation: int = 0
    has_pixel_data: bool = True
    manufacturer: str = ""
    # Every (centre, width, explanation) the file offers (Window Center/Width are multi-valued).
    windows: tuple[tuple[float, float, str], ...] = ()
    # (row spacing, column spacing) in mm between pixel centres: PixelSpacing, else
    # ImagerPixelSpacing (at the detector); None when absent or not positive (then lengths are px).
    pixel_spacing: tuple[float, float] | None = None
    spacing_source: str = ""


@dataclass(frozen=True, eq=False)
class VoiLut:
    """A VOI LUT (PS3.3 C.11.2.1.1): modality value ``first_mapped + i`` maps to ``table[i]``.

    Inputs below ``first_mapped`` map to ``table[0]``, inputs past the end to ``table[-1]``.
    Output values span ``0 .. 2**bits - 1``.
    """

    first_mapped: int
    bits: int
    table: np.ndarray  # 1-D integer array
    explanation: str = ""

    @property
    def output_max(self) -> int:
        return 2**self.bits - 1


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """A decoded single-frame greyscale image at full bit depth.

    pixels: float32 (rows, cols), modality values, NOT inverted.
    photometric: 'MONOCHROME1' (low values display white) or 'MONOCHROME2'. Colour sources are
        converted to luminance and reported as 'MONOCHROME2' (``meta`` keeps the original).
    bits_stored: bits per stored sample of the source (8 for 8-bit PNG/JPEG, 16 for 16-bit PNG).
    default_window: (centre, width) used when the caller gives none: the file's Window Center/Width,
        else derived from the VOI LUT, else the pixel min/max.
    voi_lut: the file's first VOI LUT Sequence item, if any; default rendering uses it.
    voi_function: the file's VOI LUT Function: 'LINEAR' (default), 'LINEAR_EXACT' or 'SIGMOID'.
    meta: header metadata (None for PNG/JPEG).
    """

    pixels: np.ndarray
    photometric: str
    bits_stored: int
    default_window: tuple[float, float]
    voi_lut: VoiLut | None = None
    meta: DicomMeta | None = None
    voi_function: str = "LINEAR"
    source_format: str = "dicom"

    @property
    def rows(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def cols(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def inverted_polarity(self) -> bool:
        """True when low values display bright (MONOCHROME1)."""
        return self.photometric == "MONOCHROME1"
