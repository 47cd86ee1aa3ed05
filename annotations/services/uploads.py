"""Accepting an upload for import: store it under the job's folder and queue the import task.

The web request only writes the file and a Job row; the import itself runs on a Celery worker.
"""

import re
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from annotations.ingest import archives
from annotations.ingest.registry import IMPORTERS
from annotations.ingest.results import IngestSummary
from annotations.models import Dataset, Job
from annotations.models.choices import JobKind
from annotations.services.audit import audit_record
from annotations.services.errors import DomainError, InvalidInputError
from annotations.services.jobs import job_create


class UploadTooLargeError(DomainError):
    code = "too_large"
    http_status = 413


def _safe_name(name: str) -> str:
    base = Path(name or "upload").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:120] or "upload"


def upload_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads" / f"job-{job_id}"


def import_upload(*, dataset: Dataset, importer: str, upload: UploadedFile, user) -> Job:
    if importer not in IMPORTERS:
        raise InvalidInputError(f"unknown importer {importer!r}; one of {', '.join(IMPORTERS)}")
    if upload.size is not None and upload.size > settings.ARBITER_MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(
            f"upload is {upload.size} bytes; the limit is {settings.ARBITER_MAX_UPLOAD_BYTES} bytes"
        )
    job = job_create(
        kind=JobKind.IMPORT,
        dataset=dataset,
        created_by=user,
        params={"importer": importer, "file": _safe_name(upload.name)},
    )
    target = upload_dir(job.pk)
    target.mkdir(parents=True, exist_ok=True)
    with (target / _safe_name(upload.name)).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    audit_record(
        actor=user,
        action="import.upload",
        obj=job,
        dataset=dataset,
        after={"importer": importer, "bytes": upload.size},
    )
    from annotations.tasks import import_job

    transaction.on_commit(lambda: import_job.delay(job.pk))
    return job


def prepare_import_paths(job: Job, summary: IngestSummary) -> list[Path]:
    """The paths the importer runs on: the uploaded file, or for folder layouts the zip safely unpacked."""
    folder = upload_dir(job.pk)
    uploaded = folder / job.params["file"]
    importer = IMPORTERS[job.params["importer"]]
    if importer.takes_many or not zipfile.is_zipfile(uploaded):
        return [uploaded]
    root = folder / "unpacked"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    for member in archives.iter_zip_members(
        uploaded,
        max_members=settings.ARBITER_ZIP_MAX_MEMBERS,
        max_total_bytes=settings.ARBITER_ZIP_MAX_TOTAL_BYTES,
        max_ratio=settings.ARBITER_ZIP_MAX_RATIO,
    ):
        if isinstance(member, archives.MemberError):
            summary.error(f"{uploaded.name}:{member.name}", member.code, member.message)
            continue
        name, content = member
        dest = root / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
    # A zip of one folder (ChestX-ray14/, OCT2017/...) imports that folder.
    children = [p for p in root.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    return [children[0] if len(children) == 1 and children[0].is_dir() else root]
