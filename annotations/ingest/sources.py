"""Expanding what a user points an importer at (files, folders, zips) into named byte blobs.

Zip members are checked by annotations.ingest.archives (traversal, links, bombs); a bad member is a
per-file error and the rest of the archive still imports.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from annotations.ingest import archives
from annotations.ingest.results import IngestSummary


@dataclass(frozen=True)
class Blob:
    name: str
    content: bytes


def _zip_blobs(path: Path, summary: IngestSummary) -> Iterator[Blob]:
    try:
        members = archives.iter_zip_members(
            path,
            max_members=settings.ARBITER_ZIP_MAX_MEMBERS,
            max_total_bytes=settings.ARBITER_ZIP_MAX_TOTAL_BYTES,
            max_ratio=settings.ARBITER_ZIP_MAX_RATIO,
        )
        for member in members:
            if isinstance(member, archives.MemberError):
                summary.error(f"{path.name}:{member.name}", member.code, member.message)
            else:
                name, content = member
                yield Blob(f"{path.name}:{name}", content)
    except archives.ArchiveError as exc:
        summary.error(path.name, exc.code, str(exc))
    except zipfile.BadZipFile as exc:
        summary.error(path.name, "bad_zip", f"not a readable zip archive: {exc}")


def iter_blobs(paths: list[Path], summary: IngestSummary) -> Iterator[Blob]:
    """Every file under `paths` (recursing into folders and zips), as (name, bytes)."""
    for path in paths:
        if path.is_dir():
            for file in archives.iter_files(path):
                yield from iter_blobs([file], summary)
        elif not path.exists():
            summary.error(str(path), "not_found", "no such file or folder")
        elif zipfile.is_zipfile(path):
            yield from _zip_blobs(path, summary)
        else:
            try:
                yield Blob(path.name, path.read_bytes())
            except OSError as exc:
                summary.error(path.name, "unreadable", f"cannot read file: {exc.strerror}")
