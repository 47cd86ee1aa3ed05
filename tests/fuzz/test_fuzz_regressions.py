"""Inputs the fuzzers found that once escaped the DICOM importer as database errors (PostgreSQL
refuses NUL bytes in text; UID columns have a size): now stored cleaned, or one per-file error."""

import pytest

from annotations.ingest.dicom import import_blob
from annotations.ingest.results import IngestSummary
from annotations.ingest.sources import Blob
from annotations.models import Image, Report, Study
from annotations.services.privacy.identity import pseudonymiser
from tests.imaging import factory


def _sr_with(**attrs) -> bytes:
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(factory.sr_bytes([("Findings", "No effusion.\x00 Clear lungs.")])))
    for key, value in attrs.items():
        setattr(ds, key, value)
    return factory.to_bytes(ds)


@pytest.mark.django_db
def test_nul_bytes_in_header_and_report_text_are_dropped(fuzz_dataset):
    ds = factory.dicom_dataset(factory.gradient(8, 8, seed=5), patient_id="P\x00-1")
    ds.AccessionNumber = "AC\x00C"
    ds.BodyPartExamined = "CHE\x00ST"
    summary = IngestSummary()
    import_blob(fuzz_dataset, Blob("nul.dcm", factory.to_bytes(ds)), summary)
    import_blob(fuzz_dataset, Blob("nul-sr.dcm", _sr_with(StudyInstanceUID="1.2.3\x00.4")), summary)
    assert (summary.created, summary.reports_created, summary.failed) == (1, 1, 0), summary.errors
    image = Image.objects.get(dataset=fuzz_dataset)
    ps = pseudonymiser()  # the cleaned values, pseudonymised
    assert (image.study.patient.pseudo_id, image.study.accession_number, image.body_part) == (
        ps.patient_id("P-1"),
        ps.accession("ACC"),
        "CHEST",
    )
    report = Report.objects.get(study__study_instance_uid=ps.uid("1.2.3.4"))
    assert "\x00" not in report.text and "Clear lungs." in report.text


@pytest.mark.django_db
def test_an_overlong_uid_is_a_per_file_error(fuzz_dataset):
    summary = IngestSummary()
    long_uid = "1." + "2" * 200
    import_blob(
        fuzz_dataset,
        Blob("long.dcm", factory.dicom_bytes(factory.gradient(8, 8), study_instance_uid=long_uid)),
        summary,
    )
    import_blob(
        fuzz_dataset,
        Blob("long-sop.dcm", factory.dicom_bytes(factory.gradient(8, 8), sop_instance_uid=long_uid)),
        summary,
    )
    assert summary.failed == 2 and {e.code for e in summary.errors} == {"bad_uid"}
    assert "a DICOM UID has at most 64" in summary.errors[0].message
    assert not Study.objects.filter(dataset=fuzz_dataset).exists()
