"""Writing synthetic radiographs and Basic Text SR reports as DICOM Part 10 files.

Pixel encoding follows the standard exactly so importers and viewers can be tested on the hard
cases: 12 bits stored in 16 allocated; MONOCHROME1 stores the inverted values; a Rescale
Slope/Intercept other than 1/0 means ``stored * slope + intercept`` gives the modality values;
Window Center/Width are in modality units; an optional VOI LUT Sequence; uncompressed, RLE
Lossless or JPEG 2000 Lossless transfer syntaxes. Nothing time-dependent is written (no
InstanceCreationDate/Time), so a file's bytes depend only on its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
)

from synthetic.errors import SyntheticDataError

CR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
DX_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
BASIC_TEXT_SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.11"
MAX_STORED = 4095  # 12 bits stored
# uuid5(NAMESPACE_URL, "arbiter-synthetic-implementation") as a 2.25 UID: files do not
# change with the installed pydicom version.
IMPLEMENTATION_CLASS_UID = "2.25.276276380242972683115833687103888490471"
TRANSFER_SYNTAXES: dict[str, UID] = {
    "explicit": ExplicitVRLittleEndian,
    "implicit": ImplicitVRLittleEndian,
    "rle": RLELossless,
    "j2k": JPEG2000Lossless,
}


@dataclass(frozen=True)
class DicomImageSpec:
    """Everything about one image instance except its pixels."""

    patient_id: str
    patient_name: str
    patient_sex: str
    patient_age: str  # DICOM AS, e.g. "045Y" or "018M"
    study_uid: str
    series_uid: str
    sop_uid: str
    accession_number: str
    study_date: str  # YYYYMMDD
    study_time: str  # HHMMSS
    modality: str = "DX"  # DX or CR
    view_position: str = "PA"  # PA, AP, LL
    body_part: str = "CHEST"
    series_number: int = 1
    instance_number: int = 1
    photometric: str = "MONOCHROME2"
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0
    voi_lut: bool = False
    transfer_syntax: str = "explicit"
    pixel_spacing_mm: float = 0.139
    study_description: str = "XR CHEST"


def stored_values(image: np.ndarray, spec: DicomImageSpec) -> np.ndarray:
    """The uint16 stored values whose modality values reproduce ``image`` (MONOCHROME2, [0, 1]).

    Modality value m = image * 4095 (dense = high). MONOCHROME1 keeps the same *display* meaning
    by storing modality values 4095 - m. Stored = (m - intercept) / slope, rounded.
    """
    if image.ndim != 2:
        raise SyntheticDataError(f"DICOM image must be 2-D, got shape {image.shape}")
    modality = np.clip(image.astype(np.float64), 0.0, 1.0) * MAX_STORED
    if spec.photometric == "MONOCHROME1":
        modality = MAX_STORED - modality
    elif spec.photometric != "MONOCHROME2":
        raise SyntheticDataError(f"photometric must be MONOCHROME1 or MONOCHROME2, got {spec.photometric!r}")
    if spec.rescale_slope <= 0:
        raise SyntheticDataError(f"rescale slope must be positive, got {spec.rescale_slope}")
    stored = np.rint((modality - spec.rescale_intercept) / spec.rescale_slope)
    if stored.min() < 0 or stored.max() > MAX_STORED:
        raise SyntheticDataError(
            f"slope {spec.rescale_slope} / intercept {spec.rescale_intercept} do not fit 12-bit stored values"
        )
    return stored.astype(np.uint16)


def modality_range(spec: DicomImageSpec) -> tuple[float, float]:
    """The modality values of stored 0 and the value a full-scale image maps to."""
    low = spec.rescale_intercept + spec.rescale_slope * np.rint(
        (0 - spec.rescale_intercept) / spec.rescale_slope
    )
    high = spec.rescale_intercept + spec.rescale_slope * np.rint(
        (MAX_STORED - spec.rescale_intercept) / spec.rescale_slope
    )
    return float(low), float(high)


def _file_meta(sop_class: str, sop_uid: str, transfer_syntax: UID) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = "ARBITER_SYN_1"
    return meta


def _patient_study(ds: Dataset, spec: DicomImageSpec) -> None:
    ds.PatientName = spec.patient_name
    ds.PatientID = spec.patient_id
    ds.PatientSex = spec.patient_sex
    ds.PatientAge = spec.patient_age
    ds.StudyInstanceUID = spec.study_uid
    ds.StudyDate = spec.study_date
    ds.StudyTime = spec.study_time
    ds.StudyID = spec.accession_number[-8:]
    ds.AccessionNumber = spec.accession_number
    ds.StudyDescription = spec.study_description
    ds.ReferringPhysicianName = ""
    ds.Manufacturer = "Arbiter Synthetic"
    ds.InstitutionName = "Synthetic Hospital"


def write_dicom_image(path: Path, image: np.ndarray, spec: DicomImageSpec) -> None:
    """Write ``image`` (float in [0, 1], MONOCHROME2 meaning) as a DICOM Part 10 file."""
    if spec.transfer_syntax not in TRANSFER_SYNTAXES:
        raise SyntheticDataError(f"transfer_syntax must be one of {sorted(TRANSFER_SYNTAXES)}")
    stored = stored_values(image, spec)
    sop_class = DX_IMAGE_STORAGE if spec.modality == "DX" else CR_IMAGE_STORAGE
    syntax = TRANSFER_SYNTAXES[spec.transfer_syntax]
    ds = Dataset()
    ds.file_meta = _file_meta(sop_class, spec.sop_uid, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = spec.sop_uid
    _patient_study(ds, spec)
    ds.Modality = spec.modality
    ds.SeriesInstanceUID = spec.series_uid
    ds.SeriesNumber = spec.series_number
    ds.InstanceNumber = spec.instance_number
    ds.SeriesDescription = f"{spec.body_part} {spec.view_position}"
    ds.ContentDate = spec.study_date
    ds.ContentTime = spec.study_time
    ds.BodyPartExamined = spec.body_part
    ds.ViewPosition = spec.view_position
    ds.PatientOrientation = ["P", "F"] if spec.view_position == "LL" else ["L", "F"]
    if spec.modality == "DX":
        ds.PresentationIntentType = "FOR PRESENTATION"
        ds.ImagerPixelSpacing = [spec.pixel_spacing_mm, spec.pixel_spacing_mm]
    ds.PixelSpacing = [spec.pixel_spacing_mm, spec.pixel_spacing_mm]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = spec.photometric
    ds.Rows, ds.Columns = stored.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.RescaleSlope = f"{spec.rescale_slope:g}"
    ds.RescaleIntercept = f"{spec.rescale_intercept:g}"
    ds.RescaleType = "US"
    low, high = modality_range(spec)
    ds.WindowCenter = f"{(low + high) / 2:g}"
    ds.WindowWidth = f"{high - low:g}"
    ds.VOILUTFunction = "LINEAR"
    if spec.voi_lut:  # modality values of the image lie in [low, high], both >= 0
        ds.VOILUTSequence = Sequence([_voi_lut(int(low), int(high))])
    ds.LossyImageCompression = "00"
    ds.PixelData = stored.tobytes()
    if syntax.is_compressed:
        ds.compress(syntax, stored, generate_instance_uid=False)
    else:
        ds.file_meta.TransferSyntaxUID = syntax
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def _voi_lut(first: int, last: int) -> Dataset:
    """A smooth sigmoid VOI LUT over [first, last] modality values with 12-bit output."""
    n = last - first + 1
    t = np.linspace(-4.0, 4.0, n)
    curve = 1.0 / (1.0 + np.exp(-t))
    curve = (curve - curve[0]) / (curve[-1] - curve[0])
    item = Dataset()
    item.add_new(0x00283002, "US", [n if n < 65536 else 0, first, 12])  # LUTDescriptor
    item.LUTExplanation = "SYNTHETIC SIGMOID"
    item.add_new(0x00283006, "US", np.rint(curve * MAX_STORED).astype(np.uint16).tolist())  # LUTData
    return item


@dataclass(frozen=True)
class SrSpec:
    image: DicomImageSpec  # patient/study attributes are shared with the study's images
    series_uid: str
    sop_uid: str
    sections: tuple[tuple[str, str], ...]  # (section heading, text) in order


_SR_CONCEPTS = {
    "EXAMINATION": ("121065", "DCM", "Procedure Description"),
    "INDICATION / HISTORY": ("121060", "DCM", "History"),
    "COMPARISON": ("121062", "DCM", "Request"),
    "FINDINGS": ("121071", "DCM", "Finding"),
    "IMPRESSION": ("121073", "DCM", "Impression"),
}


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def write_text_sr(path: Path, spec: SrSpec) -> None:
    """Write a Basic Text SR carrying the report sections as TEXT content items."""
    ds = Dataset()
    ds.file_meta = _file_meta(BASIC_TEXT_SR_STORAGE, spec.sop_uid, ExplicitVRLittleEndian)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = BASIC_TEXT_SR_STORAGE
    ds.SOPInstanceUID = spec.sop_uid
    _patient_study(ds, spec.image)
    ds.Modality = "SR"
    ds.SeriesInstanceUID = spec.series_uid
    ds.SeriesNumber = 99
    ds.InstanceNumber = 1
    ds.SeriesDescription = "Radiology report"
    ds.ContentDate = spec.image.study_date
    ds.ContentTime = spec.image.study_time
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.PerformedProcedureCodeSequence = Sequence()
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = Sequence([_code("18748-4", "LN", "Diagnostic Imaging Report")])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    items = []
    for heading, text in spec.sections:
        item = Dataset()
        item.RelationshipType = "CONTAINS"
        item.ValueType = "TEXT"
        item.ConceptNameCodeSequence = Sequence(
            [_code(*_SR_CONCEPTS.get(heading, ("121070", "DCM", "Findings")))]
        )
        item.TextValue = text
        items.append(item)
    ds.ContentSequence = Sequence(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def sr_text(ds: Dataset) -> str:
    """Re-assemble the report text from a Basic Text SR written by ``write_text_sr``."""
    by_meaning = {v[2]: k for k, v in _SR_CONCEPTS.items()}
    lines = []
    for item in ds.ContentSequence:
        meaning = item.ConceptNameCodeSequence[0].CodeMeaning
        lines.append(f"{by_meaning.get(meaning, meaning.upper())}: {item.TextValue}")
    return "\n".join(lines)
