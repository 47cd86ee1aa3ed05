"""The label SR builder: a valid Part 10 Basic Text SR that reads back to the same labels."""

import datetime as dt
import io

import pydicom
import pytest

from annotations.services.exports.pacs_sr import (
    BASIC_TEXT_SR,
    FindingLabel,
    ImageLabels,
    LabelSrError,
    StudyLabels,
    build_label_sr,
    read_label_sr,
)
from imaging.dicom import extract_report_text

DX = "1.2.840.10008.5.1.4.1.1.1.1"


def labels(**change) -> StudyLabels:
    study = StudyLabels(
        study_instance_uid="1.2.826.0.1.3680043.8.498.7",
        dataset="cxr-relabel",
        schema="chestxray14",
        images=(
            ImageLabels(
                sop_class_uid=DX,
                sop_instance_uid="1.2.826.0.1.3680043.8.498.7.1",
                findings=(
                    FindingLabel(
                        "Cardiomegaly", "positive", "unanimous", 0, ("positive",) * 3, "2026-01-02T10:00"
                    ),
                    FindingLabel(
                        "Effusion", "negative", "consensus", 2, ("negative", "negative", "negative")
                    ),
                    FindingLabel("Pleural_Thickening", "uncertain", "majority", 3, ("uncertain", "positive")),
                ),
            ),
            ImageLabels(
                sop_class_uid=DX,
                sop_instance_uid="1.2.826.0.1.3680043.8.498.7.2",
                findings=(FindingLabel("Nodule", "positive", "adjudicator", 3, (), "2026-01-03"),),
            ),
        ),
        header=(("PatientID", "SYN0001"), ("PatientName", "Doe^Jane"), ("AccessionNumber", "0001")),
    )
    return StudyLabels(**{**study.__dict__, **change})


def to_bytes(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def roundtrip(ds: pydicom.Dataset) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(to_bytes(ds)))


def test_sr_reads_back_to_the_same_labels():
    study = labels()
    ds = roundtrip(build_label_sr(study, now=dt.datetime(2026, 1, 5, 12, 30, tzinfo=dt.UTC)))
    assert ds.SOPClassUID == BASIC_TEXT_SR == ds.file_meta.MediaStorageSOPClassUID
    assert ds.Modality == "SR" and ds.Manufacturer == "Arbiter"
    assert ds.StudyInstanceUID == study.study_instance_uid and ds.PatientID == "SYN0001"
    assert (ds.ContentDate, ds.ContentTime, ds.CompletionFlag) == ("20260105", "123000", "COMPLETE")
    back = read_label_sr(ds)
    assert back.images == study.images
    assert (back.dataset, back.schema, back.study_instance_uid) == (
        "cxr-relabel",
        "chestxray14",
        study.study_instance_uid,
    )
    assert dict(back.header) == dict(study.header)
    # A PACS viewer that shows only the TEXT items still shows how each label was reached.
    text = extract_report_text(to_bytes(ds))
    assert "Consensus after adjudication rounds; 2 adjudication rounds" in text
    assert "Adjudicator decision; 3 adjudication rounds; decided 2026-01-03" in text


def test_the_instance_uid_follows_the_labels_not_the_time():
    a = build_label_sr(labels(), now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    b = build_label_sr(labels(), now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert a.SOPInstanceUID == b.SOPInstanceUID and a.SeriesInstanceUID == b.SeriesInstanceUID
    changed = labels(images=(labels().images[0],))
    c = build_label_sr(changed)
    assert c.SOPInstanceUID != a.SOPInstanceUID and c.SeriesInstanceUID == a.SeriesInstanceUID


def test_long_and_unicode_finding_names_survive():
    name = "Opacité pulmonaire diffuse bilatérale"
    study = labels(
        images=(ImageLabels(DX, "1.2.3.4", (FindingLabel(name, "positive", "unanimous"),)),),
        header=(("PatientName", "Müller^Jürgen"),),
    )
    back = read_label_sr(roundtrip(build_label_sr(study)))
    assert back.images[0].findings[0].finding == name
    assert dict(back.header)["PatientName"] == "Müller^Jürgen"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"images": ()}, "no adjudicated labels"),
        ({"study_instance_uid": ""}, "StudyInstanceUID"),
        ({"images": (ImageLabels("", "1.2", ()),)}, "SOP Class"),
        ({"images": (ImageLabels(DX, "1.2", (FindingLabel("X", "maybe", "unanimous"),)),)}, "maybe"),
        ({"images": (ImageLabels(DX, "1.2", (FindingLabel("X", "positive", "vote"),)),)}, "vote"),
        ({"header": (("PatientAddress", "x"),)}, "PatientAddress"),
    ],
)
def test_bad_labels_are_refused_with_a_reason(change, message):
    with pytest.raises(LabelSrError, match=message):
        build_label_sr(labels(**change))


def test_other_srs_are_not_read_as_label_srs():
    from tests.imaging import factory

    with pytest.raises(LabelSrError, match="Not an Arbiter label SR"):
        read_label_sr(pydicom.dcmread(io.BytesIO(factory.sr_bytes([("Findings", "No effusion.")]))))
