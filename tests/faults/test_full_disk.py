"""A full or unwritable disk (issue #19): uploads, imports and snapshots on a real, small tmpfs.

Each answers in the API's one JSON error shape (never an HTML page) or ends its job failed with the
cause named, leaves no half-written file and no orphan job, and the space is free again afterwards.
Where tmpfs cannot be mounted (not root, no mount namespace), the disk is simulated by a file-size
limit (RLIMIT_FSIZE: writes past it fail with EFBIG, reported as a full disk as well), and a
read-only mount by skipping that case; the skip says so.
"""

import contextlib
import io
import os
import resource
import signal
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.ingest.uploads import upload_dir, uploads_root
from annotations.models import Job, LabelSetSnapshot
from annotations.models.choices import JobKind, JobStatus
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.exports.snapshots import snapshot_create
from annotations.services.jobs.records import job_create
from annotations.tasks.imports import import_job


def _mount(path: Path, size: str, *, readonly: bool = False) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if readonly else "")
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def small_disk(path: Path, size: str = "1m", *, readonly: bool = False):
    """A tmpfs of `size` at `path` for the block (unmounted after); else a file-size limit."""
    if _mount(path, size, readonly=readonly):
        try:
            yield path
        finally:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)
        return
    if readonly:
        pytest.skip("cannot mount a read-only tmpfs here (needs root); the read-only case is not simulated")
    limit = {"k": 1024, "m": 1024**2}[size[-1]] * int(size[:-1])
    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, before[1]))
    try:
        yield path
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, before)
        signal.signal(signal.SIGXFSZ, handler)


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


@pytest.fixture
def dataset(db):
    return dataset_get_or_create(slug="disk", schema_key="chestxray14")[0]


@pytest.fixture
def admin(dataset, make_user):
    user = make_user("disk-admin")
    membership_grant(dataset=dataset, user=user, role="admin")
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(client: APIClient, dataset, name: str, content: bytes):
    return client.post(
        f"/api/v1/datasets/{dataset.pk}/imports/",
        {"importer": "dicom", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_an_upload_on_a_full_disk_is_a_json_507_with_nothing_left(dataset, admin, settings, tmp_path):
    with small_disk(tmp_path / "media") as media:
        settings.MEDIA_ROOT = media
        r = upload(admin, dataset, "big.zip", os.urandom(1536 * 1024))  # 1.5 MB on a 1 MB disk
        assert r.status_code == 507, r.content
        assert r["Content-Type"].startswith("application/json")
        error = r.json()["error"]
        assert error["code"] == "disk_full" and "full" in error["message"]
        assert "/" not in error["message"] and "big.zip" not in error["message"]
        assert not Job.objects.exists()  # no orphan job
        assert files_under(uploads_root()) == []  # no half-written file
        r = upload(admin, dataset, "small.zip", os.urandom(200 * 1024))  # the space was given back
        assert r.status_code == 202, r.content
        job = Job.objects.get()
        assert [p.name for p in files_under(uploads_root())] == ["small.zip"]
        assert (upload_dir(job.pk) / "small.zip").stat().st_size == 200 * 1024


def test_a_full_disk_while_django_spools_the_upload_is_json_too(dataset, admin, settings, tmp_path):
    with small_disk(tmp_path / "spool") as spool:
        settings.FILE_UPLOAD_TEMP_DIR = str(spool)  # files over 2 MB are spooled here first
        r = upload(admin, dataset, "huge.zip", os.urandom(3 * 1024 * 1024))
        assert r.status_code == 507, r.content
        assert r.json()["error"]["code"] == "disk_full"
        assert not Job.objects.exists()
        assert files_under(spool) == []  # the spooled part was deleted at once


def test_an_upload_to_a_read_only_disk_is_a_json_503(dataset, admin, settings, tmp_path):
    with small_disk(tmp_path / "ro", readonly=True) as media:
        settings.MEDIA_ROOT = media
        r = upload(admin, dataset, "a.zip", b"PK" + os.urandom(1000))
        assert r.status_code == 503, r.content
        error = r.json()["error"]
        assert error["code"] == "storage_permission" and "read-only" in error["message"]
        assert not Job.objects.exists()


def _compressible_cxr14_zip(unpacked_bytes: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "ChestX-ray14/Data_Entry_2017.csv",
            "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
            "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],\n"
            "00000001_000.png,No Finding,0,1,58,M,PA,2682,2749,0.143,0.143,\n",
        )
        zf.writestr("ChestX-ray14/images/00000001_000.png", b"\0" * unpacked_bytes)
    return buf.getvalue()


def test_an_import_that_fills_the_disk_fails_with_the_cause_and_frees_the_unpacked_files(
    dataset, settings, tmp_path, eager_celery
):
    settings.ARBITER_ZIP_MAX_RATIO = 1_000_000  # the zip is mostly zeros; it is the disk that is small
    with small_disk(tmp_path / "media") as media:
        settings.MEDIA_ROOT = media
        job = job_create(
            kind=JobKind.IMPORT, dataset=dataset, params={"importer": "chestxray14", "file": "cxr.zip"}
        )
        upload_dir(job.pk).mkdir(parents=True)
        (upload_dir(job.pk) / "cxr.zip").write_bytes(_compressible_cxr14_zip(3 * 1024 * 1024))
        import_job.delay(job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.finished_at
        assert job.errors[0]["code"] == "disk_full", job.errors
        assert "full" in job.errors[0]["message"] and "/" not in job.errors[0]["message"]
        # the half-unpacked archive is gone; the uploaded file stays for a retry
        assert [p.name for p in files_under(upload_dir(job.pk))] == ["cxr.zip"]


def test_a_snapshot_on_a_full_export_disk_fails_with_the_cause_and_leaves_no_part_file(
    dataset, settings, tmp_path, make_user, eager_celery, django_capture_on_commit_callbacks
):
    with small_disk(tmp_path / "exports", "64k") as exports:
        settings.ARBITER_EXPORT_DIR = exports
        filler = exports / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as f:  # fill it to the last block
            while True:
                f.write(b"\0" * 4096)
                f.flush()
        with django_capture_on_commit_callbacks(execute=True):
            snapshot = snapshot_create(dataset=dataset, actor=make_user("exporter"))
        snapshot.refresh_from_db()
        job = Job.objects.get(pk=snapshot.job_id)
        assert snapshot.status == LabelSetSnapshot.Status.FAILED and "full" in snapshot.error
        assert job.status == JobStatus.FAILED and job.errors[0]["code"] == "disk_full", job.errors
        assert [p.name for p in files_under(exports)] == ["filler"]  # no .part file left behind
