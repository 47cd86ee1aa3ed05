"""DICOM files are stored de-identified (PS3.15 basic profile via dicognito, Arbiter's pseudonyms),
pixels untouched; possible burned-in text is flagged for QC; re-imports stay idempotent."""

import datetime as dt
from pathlib import Path

import numpy as np
import pydicom
import pytest
from django.conf import settings

from annotations.ingest.dicom import import_blob, import_dicom
from annotations.ingest.results import IngestSummary
from annotations.ingest.sources import Blob
from annotations.models import IdentityMapping, Image, Patient, QCFlag, Report, Study
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.privacy.identity import pseudonymiser
from imaging.dicom import decode_dicom
from tests.privacy import planted

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    """A dataset whose policy shifts dates (the planted dates must go too)."""
    ds = dataset_get_or_create(slug="hosp", name="Hospital", modality="CXR", schema_key="chestxray14")[0]
    ds.shift_dates = True
    ds.save()
    return ds


def _import(dataset, blobs) -> IngestSummary:
    summary = IngestSummary()
    for name, content in blobs:
        import_blob(dataset, Blob(name, content), summary)
    return summary


def _stored(image: Image) -> pydicom.Dataset:
    return pydicom.dcmread(Path(settings.MEDIA_ROOT) / image.file.name)


def test_stored_file_keeps_pixels_and_clinical_tags_and_loses_identifiers(dataset):
    original = planted.image_bytes(0)
    summary = _import(dataset, [("WHITFIELD_HORATIO/IM0001.dcm", original)])
    assert (summary.created, summary.failed) == (1, 0), summary.errors
    image = Image.objects.get()
    stored = _stored(image)
    assert planted.hits(planted.header_text(stored)) == []
    assert not any(el.tag.is_private for el in stored.iterall())
    ps = pseudonymiser()
    assert stored.PatientID == image.study.patient.pseudo_id == ps.patient_id(planted.MRN)
    assert stored.StudyInstanceUID == image.study.study_instance_uid == ps.uid(planted.STUDY_UID)
    assert stored.SOPInstanceUID == stored.file_meta.MediaStorageSOPInstanceUID == image.sop_instance_uid
    assert stored.AccessionNumber == image.study.accession_number == ps.accession(planted.ACCESSION)
    assert "DICOGNITO" in str(stored.DeidentificationMethod)
    # dicognito says YES only where the file declares no burned-in text (this one declares nothing).
    assert stored.get("PatientIdentityRemoved") != "YES"
    src = pydicom.dcmread(pydicom.filebase.DicomBytesIO(original))
    assert stored.PixelData == src.PixelData  # pixels byte for byte
    for keyword in (
        "SOPClassUID",
        "Modality",
        "PatientSex",
        "PatientAge",
        "ViewPosition",
        "BodyPartExamined",
    ):
        assert stored.get(keyword) == src.get(keyword), keyword
    # The file decodes to the same picture the checksum was taken of.
    again = decode_dicom((Path(settings.MEDIA_ROOT) / image.file.name).read_bytes(), max_pixels=10**6)
    assert np.array_equal(again.pixels, decode_dicom(original, max_pixels=10**6).pixels)
    # The file name (a patient's name here) is not kept.
    assert image.source_key == ""


def test_reimport_is_idempotent_and_all_images_of_a_patient_share_one_row(dataset):
    blobs = [(f"{i}.dcm", planted.image_bytes(i)) for i in (0, 1)]
    assert _import(dataset, blobs).created == 2
    again = _import(dataset, blobs)
    assert (again.created, again.existing, again.failed) == (0, 2, 0)
    assert Patient.objects.count() == 1 and Study.objects.count() == 1 and Image.objects.count() == 2


def test_dates_shift_by_the_patients_keyed_offset_only_where_the_policy_asks(dataset):
    _import(dataset, [("a.dcm", planted.image_bytes(0))])
    study = Study.objects.get(dataset=dataset)
    offset = pseudonymiser().date_offset_days(planted.MRN)
    assert study.study_date == planted.STUDY_DATE - dt.timedelta(days=offset)
    stored = _stored(Image.objects.get(dataset=dataset))
    assert stored.StudyDate == study.study_date.strftime("%Y%m%d")
    assert "PatientBirthDate" not in stored  # removed whatever the policy; PatientAge stays
    kept = dataset_get_or_create(slug="kept", name="Kept dates", schema_key="chestxray14")[0]
    _import(kept, [("a.dcm", planted.image_bytes(0))])
    assert Study.objects.get(dataset=kept).study_date == planted.STUDY_DATE
    stored = _stored(Image.objects.get(dataset=kept))
    assert stored.StudyDate == "20210709" and "PatientBirthDate" not in stored


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"BurnedInAnnotation": "YES"}, "burned_in_annotation"),
        ({"Modality": "US"}, "ultrasound"),
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}, "secondary_capture"),
    ],
)
def test_possible_burned_in_text_is_an_open_qc_flag(dataset, extra, reason):
    _import(dataset, [("b.dcm", planted.image_bytes(0, **extra))])
    flag = QCFlag.objects.get(image=Image.objects.get())
    assert (flag.kind, flag.status, flag.detail["reason"]) == ("burned_in", "open", reason)


def test_plain_radiograph_is_not_flagged(dataset):
    _import(dataset, [("c.dcm", planted.image_bytes(0, BurnedInAnnotation="NO"))])
    assert not QCFlag.objects.exists()
    assert _stored(Image.objects.get()).PatientIdentityRemoved == "YES"


def test_sr_report_is_scrubbed_and_the_mapping_holds_the_originals(dataset):
    summary = _import(dataset, [("im.dcm", planted.image_bytes(0)), ("sr.dcm", planted.sr_bytes())])
    assert (summary.created, summary.reports_created, summary.failed) == (1, 1, 0), summary.errors
    report = Report.objects.get()
    assert planted.hits(report.text) == [], report.text
    assert "Small left pleural effusion" in report.text
    originals = set(IdentityMapping.objects.values_list("original", flat=True))
    assert {planted.MRN, planted.ACCESSION, planted.STUDY_UID, planted.NAME, planted.SOP_UIDS[0]} <= originals


def test_reports_csv_finds_studies_by_their_original_accession(dataset, tmp_path):
    from annotations.ingest.reports import import_reports_csv

    _import(dataset, [("im.dcm", planted.image_bytes(0))])
    csv_path = tmp_path / "reports.csv"
    body = planted.REPORT.replace('"', "'")
    csv_path.write_text(f'accession_number,report_text\n{planted.ACCESSION},"{body}"\nNOPE-1,x\n')
    summary = import_reports_csv(dataset, csv_path)
    assert (summary.reports_created, summary.failed) == (1, 1)
    assert planted.hits(Report.objects.get().text) == []
    assert planted.hits(str(summary.as_dict())) == []  # the unknown row's message does not echo it
    again = import_reports_csv(dataset, csv_path)
    assert again.reports_created == again.reports_updated == 0


def test_folder_import_of_files_named_after_patients(dataset, tmp_path):
    folder = tmp_path / "WHITFIELD_HORATIO_MRN99813577"
    folder.mkdir()
    (folder / "IM1.dcm").write_bytes(planted.image_bytes(1))
    assert import_dicom(dataset, [folder]).created == 1
    assert Image.objects.get().source_key == ""
