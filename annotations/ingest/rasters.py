"""Storing one PNG/JPEG file of a public data set, with its per-file error handling."""

from pathlib import Path

from django.conf import settings

from annotations.ingest.results import IngestSummary
from annotations.ingest.store import PatientInfo, StudyInfo, image_store
from annotations.models import Dataset, Image
from annotations.models.choices import FileFormat
from imaging.errors import ImagingError
from imaging.raster import decode_raster


def index_files(root: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    """File name -> path for every image under root (ChestX-ray14 ships images_001/images/..., etc.)."""
    return {p.name: p for p in sorted(root.rglob("*")) if p.suffix.lower() in suffixes and p.is_file()}


def store_raster(
    dataset: Dataset,
    path: Path,
    summary: IngestSummary,
    *,
    name: str,
    patient: PatientInfo,
    study: StudyInfo,
    source_key: str,
    view_position: str = "",
    body_part: str = "",
) -> Image | None:
    """Decode and store `path`; count it in `summary`; None (and a per-file error) when it is bad."""
    try:
        content = path.read_bytes()
        decoded = decode_raster(content, max_pixels=settings.ARBITER_MAX_IMAGE_PIXELS)
    except OSError as exc:
        summary.error(name, "unreadable", f"cannot read file: {exc.strerror}")
        return None
    except ImagingError as exc:
        summary.error(name, exc.code, str(exc))
        return None
    suffix = path.suffix.lower()
    image, created = image_store(
        dataset=dataset,
        decoded=decoded,
        content=content,
        file_format=FileFormat.PNG if suffix == ".png" else FileFormat.JPEG,
        suffix=suffix,
        patient=patient,
        study=study,
        source_key=source_key,
        view_position=view_position,
        body_part=body_part,
    )
    if created:
        summary.created += 1
    else:
        summary.existing += 1
    return image


def parse_age(text: str) -> float | None:
    """'58', '058Y', '45.0' -> years; unparseable -> None."""
    t = (text or "").strip().upper().rstrip("Y")
    try:
        age = float(t)
    except ValueError:
        return None
    return age if 0 <= age < 150 else None
