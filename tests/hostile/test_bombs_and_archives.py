"""Decompression bombs, zip path traversal and symlinks: at the importer and through the upload API.
Every hostile file is a per-file error; nothing is stored for it and nothing is written outside."""

import io
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.ingest.chestxray14 import CSV_NAME, import_chestxray14
from annotations.ingest.dicom import import_dicom
from annotations.models import Image, Job
from annotations.models.choices import JobStatus, Role
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from layouts import chestxray14 as nih
from tests.imaging import factory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(db):
    return dataset_get_or_create(slug="hostile", schema_key="chestxray14")[0]


def _zip(members: list[tuple[str, bytes]], *, symlinks: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _codes(summary) -> dict[str, str]:
    return {e.file: e.code for e in summary.errors}


def test_dicom_declaring_billions_of_pixels_is_refused_unread(dataset, tmp_path):
    ds = factory.dicom_dataset(factory.gradient(16, 16))
    ds.Rows, ds.Columns = 65535, 65535  # 4.3 gigapixels declared, 512 bytes present
    path = tmp_path / "bomb.dcm"
    path.write_bytes(factory.to_bytes(ds))
    summary = import_dicom(dataset, [path])
    assert _codes(summary) == {"bomb.dcm": "too_large"}
    assert not Image.objects.exists()


def test_png_declaring_billions_of_pixels_is_refused_unread(dataset, tmp_path):
    root = tmp_path / "cxr14"
    (root / "images").mkdir(parents=True)
    (root / "images" / "00000001_000.png").write_bytes(factory.png_bomb(100_000, 100_000))
    (root / "images" / "00000002_000.png").write_bytes(
        factory.png_bytes(factory.gradient(8, 8, hi=255).astype(np.uint8))
    )
    (root / CSV_NAME).write_text(
        ",".join(nih.METADATA_COLUMNS) + "\n"
        "00000001_000.png,Effusion,0,1,50,M,PA\n00000002_000.png,No Finding,0,2,50,F,PA\n"
    )
    summary = import_chestxray14(dataset, root)
    assert summary.created == 1 and summary.failed == 1
    assert summary.errors[0].code == "too_large" and "00000001_000.png" in summary.errors[0].file
    assert list(Image.objects.values_list("source_key", flat=True)) == ["00000002_000.png"]


def test_zip_bomb_member_is_stopped_while_inflating(dataset, tmp_path):
    good = factory.dicom_bytes(factory.gradient(8, 8, seed=1))
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip([("bomb.dcm", b"\0" * (40 * 1024 * 1024)), ("good.dcm", good)]))
    assert path.stat().st_size < 200_000
    summary = import_dicom(dataset, [path])
    assert _codes(summary) == {"bomb.zip:bomb.dcm": "zip_bomb"}
    assert summary.created == 1


def _stored_uid(content: bytes) -> str:
    """The SOP Instance UID Arbiter stores for this file (its keyed pseudonym)."""
    import pydicom

    from annotations.services.privacy.identity import pseudonymiser

    return pseudonymiser().uid(str(pydicom.dcmread(io.BytesIO(content)).SOPInstanceUID))


def test_traversal_absolute_and_symlink_members_are_refused_by_the_importer(dataset, tmp_path):
    blobs = [factory.dicom_bytes(factory.gradient(8, 8, seed=i)) for i in range(5)]
    path = tmp_path / "evil.zip"
    path.write_bytes(
        _zip(
            [
                ("../../evil1.dcm", blobs[0]),
                ("/tmp/evil2.dcm", blobs[1]),
                ("C:\\evil3.dcm", blobs[2]),
                ("link.dcm", b"/etc/passwd"),
                ("ok/good.dcm", blobs[4]),
            ],
            symlinks=("link.dcm",),
        )
    )
    summary = import_dicom(dataset, [path])
    assert _codes(summary) == {
        "evil.zip:../../evil1.dcm": "unsafe_path",
        "evil.zip:/tmp/evil2.dcm": "unsafe_path",
        "evil.zip:C:\\evil3.dcm": "unsafe_path",
        "evil.zip:link.dcm": "symlink",
    }
    assert list(Image.objects.values_list("sop_instance_uid", flat=True)) == [_stored_uid(blobs[4])]


def test_a_folder_import_does_not_follow_links_out_of_the_folder(dataset, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.dcm").write_bytes(factory.dicom_bytes(factory.gradient(8, 8, seed=9)))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.dcm").write_bytes(factory.dicom_bytes(factory.gradient(8, 8, seed=10)))
    os.symlink(outside / "secret.dcm", folder / "link.dcm")
    os.symlink(outside, folder / "linkdir")
    summary = import_dicom(dataset, [folder])
    assert (summary.created, summary.failed) == (1, 0)
    good = (folder / "good.dcm").read_bytes()
    assert list(Image.objects.values_list("sop_instance_uid", flat=True)) == [_stored_uid(good)]


def test_uploaded_zip_with_traversal_and_links_never_writes_outside_its_job_folder(
    dataset, make_user, tmp_path, eager_celery, django_capture_on_commit_callbacks
):
    admin = make_user("hostile-admin")
    membership_grant(dataset=dataset, user=admin, role=Role.ADMIN)
    client = APIClient()
    client.force_authenticate(admin)
    png = factory.png_bytes(factory.gradient(8, 8, hi=255).astype(np.uint8))
    csv = ",".join(nih.METADATA_COLUMNS).encode() + b"\n00000001_000.png,Effusion,0,1,50,M,PA\n"
    body = _zip(
        [
            ("ds/" + CSV_NAME, csv),
            ("ds/images/00000001_000.png", png),
            ("ds/../../../../escaped.txt", b"pwned"),
            ("/tmp/arbiter-escaped.txt", b"pwned"),
            ("ds/images/link.png", str(tmp_path).encode()),
            ("ds/bomb.bin", b"\0" * (20 * 1024 * 1024)),
        ],
        symlinks=("ds/images/link.png",),
    )
    upload = SimpleUploadedFile("evil.zip", body)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/api/v1/datasets/{dataset.pk}/imports/",
            {"importer": "chestxray14", "file": upload},
            format="multipart",
        )
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == JobStatus.SUCCEEDED, job.errors
    codes = {e["file"].split(":", 1)[1]: e["code"] for e in job.errors}
    assert codes == {
        "ds/../../../../escaped.txt": "unsafe_path",
        "/tmp/arbiter-escaped.txt": "unsafe_path",
        "ds/images/link.png": "symlink",
        "ds/bomb.bin": "zip_bomb",
    }
    assert Image.objects.filter(dataset=dataset).count() == 1
    media = Path(django_settings.MEDIA_ROOT)
    assert not list(media.parent.rglob("escaped.txt")) and not Path("/tmp/arbiter-escaped.txt").exists()
    assert not [p for p in media.rglob("*") if p.is_symlink()]
    # Once the job ended, its upload, the unpacked folder and the rejected bomb are gone (issue #13.7).
    assert not (media / "uploads" / f"job-{job.pk}").exists()
