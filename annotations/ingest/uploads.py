"""Accepting an upload for import: store it under the job's folder and queue the import task; and
removing it again when the job has ended.

The web request only writes the file and a Job row; the import itself runs on a Celery worker. The
two are stored together or not at all: the file is written to a staging folder first (an I/O error
there, a full or unwritable disk, leaves nothing: the partial file is removed and no job exists), then
the Job row is created and the file moved under the job's folder in one transaction.

Uploads do not stay forever (issue #13): `upload_release` removes a job's folder when the import
ends (succeeded or cancelled), and keeps only the uploaded file of a failed one (what a retry needs)
for ARBITER_FAILED_UPLOAD_KEEP_HOURS; `uploads_sweep` (run by the reaper) removes what is left of
finished jobs, expired failed ones and staging leftovers of requests that died.
"""

import logging
import os
import re
import shutil
import time
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from annotations import hooks
from annotations.errors import DomainError, InvalidInputError
from annotations.ingest import archives
from annotations.ingest.registry import IMPORTERS
from annotations.ingest.results import IngestSummary
from annotations.io_errors import describe_os_error
from annotations.models import Dataset, Job
from annotations.models.choices import FINISHED_JOB_STATUSES, JobKind, JobStatus
from annotations.services.audit import audit_record
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.records import job_create

log = logging.getLogger(__name__)
STAGING_MAX_AGE_SECONDS = 6 * 3600  # a request still writing after this long is gone


class UploadTooLargeError(DomainError):
    code = "too_large"
    http_status = 413


class UploadStorageError(DomainError):
    """The upload could not be stored (disk full, permission, I/O); nothing of it was kept."""

    code = "io_error"
    http_status = 503

    @classmethod
    def from_os_error(cls, exc: OSError) -> "UploadStorageError":
        failure = describe_os_error(exc, doing="storing the upload")
        log.warning("upload not stored: %s (errno %s)", failure.code, exc.errno)
        error = cls(failure.message, code=failure.code)
        error.http_status = failure.http_status
        return error


def _safe_name(name: str) -> str:
    base = Path(name or "upload").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:120] or "upload"


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def upload_dir(job_id: int) -> Path:
    return uploads_root() / f"job-{job_id}"


def _stage(upload: UploadedFile, name: str) -> Path:
    """Write the upload to a fresh staging folder (same disk as the job folders); on an I/O error
    remove what was written and raise UploadStorageError."""
    staging = uploads_root() / ".staging" / uuid.uuid4().hex
    try:
        staging.mkdir(parents=True)
        with (staging / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UploadStorageError.from_os_error(exc) from None
    return staging


def import_upload(*, dataset: Dataset, importer: str, upload: UploadedFile, user) -> Job:
    if importer not in IMPORTERS:
        raise InvalidInputError(f"unknown importer {importer!r}; one of {', '.join(IMPORTERS)}")
    if upload.size is not None and upload.size > settings.ARBITER_MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(
            f"upload is {upload.size} bytes; the limit is {settings.ARBITER_MAX_UPLOAD_BYTES} bytes"
        )
    name = _safe_name(upload.name)
    staging = _stage(upload, name)
    try:
        with transaction.atomic():
            job = job_create(
                kind=JobKind.IMPORT,
                dataset=dataset,
                created_by=user,
                params={"importer": importer, "file": name},
            )
            audit_record(
                actor=user,
                action="import.upload",
                obj=job,
                dataset=dataset,
                after={"importer": importer, "bytes": upload.size},
            )
            try:
                os.replace(staging, upload_dir(job.pk))  # same file system: atomic, no copy
            except OSError as exc:
                raise UploadStorageError.from_os_error(exc) from None
            transaction.on_commit(lambda: _send_import(job.pk))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return job


def _send_import(job_id: int) -> None:
    """Queue the import; a broker that is down leaves the job queued for the reaper to send again."""
    try:
        task_send("annotations.import_job", job_id)
    except Exception:
        log.warning("import job %s stored but not queued (broker unreachable); the reaper resends it", job_id)


def upload_release(job: Job) -> None:
    """Free what an ended import job holds on disk: everything once it succeeded or was cancelled;
    the unpacked archive of a failed one (the uploaded file stays for a retry, see `uploads_sweep`)."""
    folder = upload_dir(job.pk)
    if job.status == JobStatus.FAILED:
        shutil.rmtree(folder / "unpacked", ignore_errors=True)
    elif job.status in FINISHED_JOB_STATUSES:
        shutil.rmtree(folder, ignore_errors=True)


def uploads_sweep(*, now=None) -> int:
    """Remove the upload folders that nothing needs any more; returns how many were removed: those of
    jobs that ended (failed ones after ARBITER_FAILED_UPLOAD_KEEP_HOURS), of jobs that no longer exist,
    and staging folders older than a request can live."""
    root = uploads_root()
    if not root.is_dir():
        return 0
    now = now or timezone.now()
    keep_failed = timedelta(hours=float(getattr(settings, "ARBITER_FAILED_UPLOAD_KEEP_HOURS", 24)))
    folders: dict[int, Path] = {}
    for path in root.iterdir():
        if path.name.startswith("job-") and path.name[4:].isdigit():
            folders[int(path.name[4:])] = path
    removed = 0
    jobs = {j.pk: j for j in Job.objects.filter(pk__in=list(folders)).only("status", "finished_at")}
    for job_id, path in folders.items():
        job = jobs.get(job_id)
        if job is None:
            # A folder whose row never committed (the request died between the move and the commit).
            gone = time.time() - path.stat().st_mtime > STAGING_MAX_AGE_SECONDS
        elif job.status == JobStatus.FAILED:
            gone = job.finished_at is None or now - job.finished_at > keep_failed
            if not gone:
                shutil.rmtree(path / "unpacked", ignore_errors=True)
        else:
            gone = job.status in FINISHED_JOB_STATUSES
        if gone:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    staging = root / ".staging"
    if staging.is_dir():
        for path in staging.iterdir():
            if time.time() - path.stat().st_mtime > STAGING_MAX_AGE_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed


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


def _sweep_pass(now) -> int:
    try:
        return uploads_sweep(now=now)
    except OSError:
        log.warning("upload sweep failed", exc_info=True)
        return 0


def register_upload_hooks() -> None:
    """An ended import frees its upload folder; every reaper pass sweeps what is left."""
    hooks.register_job_end_step(JobKind.IMPORT, upload_release)
    hooks.register_reap_pass("uploads", _sweep_pass)
