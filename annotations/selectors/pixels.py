"""Decoding a stored image back to full-bit-depth pixels (for rendering and model inputs)."""

from pathlib import Path

from django.conf import settings

from annotations.imaging.decoded import DecodedImage
from annotations.imaging.dicom import decode_dicom
from annotations.imaging.raster import decode_raster
from annotations.models import Image
from annotations.models.choices import FileFormat


def image_path(image: Image) -> Path:
    return Path(settings.MEDIA_ROOT) / image.file.name


def image_decode(image: Image) -> DecodedImage:
    path = image_path(image)
    limit = settings.ARBITER_MAX_IMAGE_PIXELS
    if image.file_format == FileFormat.DICOM:
        return decode_dicom(path, max_pixels=limit)
    return decode_raster(path, max_pixels=limit)
