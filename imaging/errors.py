"""Errors raised by the pixel layer.

Every error carries a short machine-readable ``code`` (stable, safe to store and to show in an import
summary) and a human message that says what was wrong and, where possible, what to do about it.
Messages never contain patient data (names, ids, report text); they may contain file-structure facts
(sizes, transfer syntax UIDs, frame counts).
"""

from __future__ import annotations


class ImagingError(Exception):
    """Base class: an image could not be read, decoded or rendered."""

    code: str = "imaging_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotDicomError(ImagingError):
    """The bytes are not a DICOM Part 10 file (nor a recognisable preamble-less DICOM dataset)."""

    code = "not_dicom"


class TruncatedFileError(ImagingError):
    """The file ends before the data it declares (an interrupted copy or upload)."""

    code = "truncated"


class NoPixelDataError(ImagingError):
    """A valid DICOM file that holds no image (e.g. a structured report or a presentation state)."""

    code = "no_pixel_data"


class MultiFrameNotSupportedError(ImagingError):
    """The image has more than one frame; only single-frame images are supported."""

    code = "multi_frame"


class ImageTooLargeError(ImagingError):
    """Declared size exceeds the configured pixel limit (decompression-bomb guard, checked pre-decode)."""

    code = "too_large"


class UnsupportedTransferSyntaxError(ImagingError):
    """The pixel data is encoded with a transfer syntax no installed decoder handles."""

    code = "unsupported_transfer_syntax"


class UnreadableImageError(ImagingError):
    """The file was recognised but its pixels could not be decoded (corrupt or unsupported layout)."""

    code = "unreadable"
