"""Decoding a stored image back to full-bit-depth pixels (for rendering and model inputs)."""

from pathlib import Path

from django.conf import settings

from annotations.errors import DomainError
from annotations.models import Image
from annotations.models.choices import FileFormat
from imaging.decoded import DecodedImage
from imaging.dicom import decode_dicom
from imaging.errors import ImagingError
from imaging.raster import decode_raster


class PixelsUnavailableError(DomainError):
    """The image's stored file is missing or no longer decodes (storage lost or damaged)."""

    code = "pixels_unavailable"
    http_status = 404


def image_path(image: Image) -> Path:
    return Path(settings.MEDIA_ROOT) / image.file.name


def image_decode(image: Image) -> DecodedImage:
    path = image_path(image)
    limit = settings.ARBITER_MAX_IMAGE_PIXELS
    try:
        if image.file_format == FileFormat.DICOM:
            return decode_dicom(path, max_pixels=limit)
        return decode_raster(path, max_pixels=limit)
    except (OSError, ImagingError) as exc:
        reason = "is missing from storage" if isinstance(exc, OSError) else f"no longer decodes ({exc.code})"
        raise PixelsUnavailableError(
            f"The image's stored file {reason}; re-import the image to restore it."
        ) from exc
