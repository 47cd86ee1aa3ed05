"""Django-free pixel layer: decode DICOM/PNG/JPEG into modality values, render for display and ML.

Public API (import from the submodules or from here):

    read_dicom_meta(source) -> DicomMeta
    decode_dicom(source, *, max_pixels) -> DecodedImage
    extract_report_text(source) -> str | None
    decode_raster(source, *, max_pixels) -> DecodedImage
    pixel_checksum(img) -> str
    to_display(img, *, center=None, width=None, invert=False) -> np.ndarray (uint8)
    render(img, *, center=None, width=None, size=None, fmt="png", invert=False) -> bytes
    thumbnail(img, *, size=256, fmt="webp") -> bytes
    model_input(img, *, size) -> np.ndarray (float32 [0, 1])

Errors are ``imaging.errors.ImagingError`` subclasses with a ``code``.
This package must not import django or anything from the annotations app outside itself.
"""

from imaging.checksum import pixel_checksum
from imaging.decoded import DecodedImage, DicomMeta, VoiLut
from imaging.dicom import decode_dicom, extract_report_text, read_dicom_meta
from imaging.errors import (
    ImageTooLargeError,
    ImagingError,
    MultiFrameNotSupportedError,
    NoPixelDataError,
    NotDicomError,
    TruncatedFileError,
    UnreadableImageError,
    UnsupportedTransferSyntaxError,
)
from imaging.raster import decode_raster
from imaging.render import model_input, render, thumbnail, to_display

__all__ = [
    "DecodedImage",
    "DicomMeta",
    "ImageTooLargeError",
    "ImagingError",
    "MultiFrameNotSupportedError",
    "NoPixelDataError",
    "NotDicomError",
    "TruncatedFileError",
    "UnreadableImageError",
    "UnsupportedTransferSyntaxError",
    "VoiLut",
    "decode_dicom",
    "decode_raster",
    "extract_report_text",
    "model_input",
    "pixel_checksum",
    "read_dicom_meta",
    "render",
    "thumbnail",
    "to_display",
]
