"""DICOM ingest: files, folders, zips, SR reports, idempotency and every bad-input class."""

import io
import stat
import zipfile
from pathlib import Path

import numpy as np
import pytest

from annotations.ingest.dicom import import_dicom
from annotations.models import Image, Patient, Report, Study
from annotations.services.privacy.identity import pseudonymiser
from tests.imaging import factory


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def good_folder(tmp_path):
    folder = tmp_path / "in"
    study = "1.2.826.0.1.3680043.8.498.1"
    for i in range(3):
        write(
            folder / "s1" / f"{i}.dcm",
            factory.dicom_bytes(
                factory.gradient(seed=i),
                study_instance_uid=study,
                patient_id="P1",
                sop_instance_uid=f"1.2.826.0.1.3680043.8.498.1.{i + 1}",
            ),
        )
    write(
        folder / "s2" / "a.dcm",
        factory.dicom_bytes(
            factory.gradient(seed=9), patient_id="P2", patient_age="007Y", view_position="AP"
        ),
    )
    return folder


def test_folder_import_stores_images_patients_and_studies(dataset, good_folder):
    summary = import_dicom(dataset, [good_folder])
    assert (summary.created, summary.existing, summary.failed) == (4, 0, 0)
    assert Image.objects.filter(dataset=dataset).count() == 4
    ps = pseudonymiser()  # identifiers are stored as keyed pseudonyms
    assert set(Patient.objects.values_list("pseudo_id", flat=True)) == {
        ps.patient_id("P1"),
        ps.patient_id("P2"),
    }
    p2 = Patient.objects.get(pseudo_id=ps.patient_id("P2"))
    assert p2.age_years == 7.0
    image = Image.objects.get(study__patient=p2)
    assert (image.rows, image.cols, image.bits_stored) == (32, 48, 12)
    assert image.view_position == "AP" and image.body_part == "CHEST"
    assert len(image.pixel_checksum) == 64
    assert Study.objects.get(study_instance_uid=ps.uid("1.2.826.0.1.3680043.8.498.1")).images.count() == 3
    stored = Path(image.file.storage.path(image.file.name)) if hasattr(image.file, "storage") else None
    assert stored is None or stored.exists()


def test_reimport_is_idempotent_by_uid_and_by_pixels(dataset, good_folder, tmp_path):
    import_dicom(dataset, [good_folder])
    again = import_dicom(dataset, [good_folder])
    assert (again.created, again.existing, again.failed) == (0, 4, 0)
    # Same pixels under a new SOP Instance UID are the same image.
    twin = write(tmp_path / "twin.dcm", factory.dicom_bytes(factory.gradient(seed=9), patient_id="P2"))
    third = import_dicom(dataset, [twin])
    assert (third.created, third.existing) == (0, 1)
    assert Image.objects.count() == 4


def test_bad_files_are_per_file_errors_and_the_rest_imports(dataset, good_folder, tmp_path, settings):
    import_dicom(dataset, [good_folder])
    before = list(Image.objects.order_by("id").values())
    bad = tmp_path / "bad"
    full = factory.dicom_bytes(factory.gradient(seed=21))
    write(bad / "truncated.dcm", full[: len(full) // 2])
    write(bad / "notes.txt", b"this is not a DICOM file at all")
    frames = np.stack([factory.gradient(seed=s) for s in range(3)])
    write(bad / "multi.dcm", factory.dicom_bytes(frames, frames=3))
    write(bad / "big.dcm", factory.dicom_bytes(factory.gradient(rows=300, cols=300, seed=4)))
    write(bad / "ok.dcm", factory.dicom_bytes(factory.gradient(seed=22)))
    settings.ARBITER_MAX_IMAGE_PIXELS = 200 * 200
    summary = import_dicom(dataset, [bad])
    codes = {Path(e.file).name: e.code for e in summary.errors}
    assert codes == {
        "truncated.dcm": "truncated",
        "notes.txt": "not_dicom",
        "multi.dcm": "multi_frame",
        "big.dcm": "too_large",
    }
    assert all(e.message for e in summary.errors)
    assert "frame" in next(e.message for e in summary.errors if e.code == "multi_frame").lower()
    assert summary.created == 1 and summary.failed == 4
    # Nothing already stored changed.
    assert list(Image.objects.filter(id__in=[b["id"] for b in before]).order_by("id").values()) == before


def test_zip_with_traversal_and_symlink_members_imports_only_the_safe_ones(dataset, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("good/a.dcm", factory.dicom_bytes(factory.gradient(seed=31)))
        zf.writestr("../escape.dcm", factory.dicom_bytes(factory.gradient(seed=32)))
        link = zipfile.ZipInfo("link.dcm")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    archive = write(tmp_path / "upload.zip", buf.getvalue())
    summary = import_dicom(dataset, [archive])
    assert summary.created == 1
    assert sorted(e.code for e in summary.errors) == ["symlink", "unsafe_path"]
    assert not (tmp_path.parent / "escape.dcm").exists()


def test_structured_report_text_becomes_the_study_report(dataset, tmp_path):
    sr = factory.sr_bytes([("Findings", "Small left pleural effusion."), ("Impression", "Effusion.")])
    summary = import_dicom(dataset, [write(tmp_path / "sr.dcm", sr)])
    assert summary.reports_created == 1 and summary.failed == 0
    report = Report.objects.get()
    assert "Small left pleural effusion." in report.text
    again = import_dicom(dataset, [tmp_path / "sr.dcm"])
    assert again.reports_created == 0 and Report.objects.count() == 1


def test_dicom_without_pixel_data_is_refused(dataset, tmp_path):
    ds = factory.dicom_dataset(factory.gradient(seed=41))
    del ds.PixelData
    summary = import_dicom(dataset, [write(tmp_path / "nopix.dcm", factory.to_bytes(ds))])
    assert [e.code for e in summary.errors] == ["no_pixel_data"]
    assert Image.objects.count() == 0


def test_arbiter_label_sr_is_not_imported_as_the_study_report(dataset, tmp_path):
    import pydicom

    from annotations.services.exports.pacs_sr import MANUFACTURER

    sr = factory.sr_bytes([("Findings", "Pneumothorax: present (adjudicated).")])
    parsed = pydicom.dcmread(io.BytesIO(sr))
    parsed.Manufacturer = MANUFACTURER
    summary = import_dicom(dataset, [write(tmp_path / "own.dcm", factory.to_bytes(parsed))])
    assert summary.reports_created == 0 and summary.failed == 0
    assert Report.objects.count() == 0
