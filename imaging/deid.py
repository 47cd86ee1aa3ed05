"""De-identifying a DICOM instance before Arbiter stores it (Django-free).

The DICOM PS3.15 Annex E basic application level confidentiality profile, applied by dicognito
(a maintained de-identifier: names, ids, addresses, equipment, dates, UIDs), with Arbiter's own
keyed pseudonyms where its tables must match the file:

* every instance UID (Study/Series/SOP/Frame of Reference, referenced instance UIDs, the file
  meta's MediaStorageSOPInstanceUID) becomes the keyed pseudonym Arbiter stores (`uid_map`), so
  the stored file and the tables agree and a re-import maps to the same UIDs;
* PatientID and AccessionNumber become Arbiter's pseudonyms; other ids, person names (patient,
  referring and performing physicians, operators), addresses, institution and station names are
  replaced by dicognito with values seeded per patient;
* dates and date-times move back by the patient's keyed offset where the dataset's policy shifts
  dates (offset 0 keeps them: the profile's Retain Longitudinal Temporal Information option);
* private tags and free-text comment/description/history tags are removed.

What is retained (the pixel data untouched) is listed in `RETAINED` and in docs/privacy.md.
Burned-in text is not removed from pixels: `burned_in_reason` says when an image may carry it, so
ingest flags it for QC instead of passing it silently.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pydicom
from dicognito.anonymizer import Anonymizer
from dicognito.datetimeanonymizer import DateTimeAnonymizer
from dicognito.element_anonymizer import ElementAnonymizer

PROFILE = "DICOM PS3.15 basic profile (dicognito 0.19) + Arbiter keyed pseudonyms"
# Free text that can carry names or ids in any field, and the birth date (PatientAge stays): the
# basic profile removes these.
REMOVED_FREE_TEXT = (
    "AdditionalPatientHistory",
    "AdmittingDiagnosesDescription",
    "DerivationDescription",
    "ImageComments",
    "PatientComments",
    "PatientBirthDate",
    "PatientBirthTime",
    "PerformedProcedureStepDescription",
    "ReasonForTheRequestedProcedure",
    "RequestAttributesSequence",
    "RequestedProcedureDescription",
    "SeriesDescription",
    "StudyComments",
    "StudyDescription",
    "TextString",
)
# What a reader, a model or QC needs, kept as the source had it.
RETAINED = (
    "pixel data and the Image Pixel module (Rows, Columns, Bits*, PhotometricInterpretation, ...)",
    "SOPClassUID, TransferSyntaxUID and every other class UID",
    "Modality, BodyPartExamined, ViewPosition, ImageLaterality, PatientOrientation",
    "PatientSex, PatientAge, PatientSize, PatientWeight",
    "RescaleSlope/Intercept, WindowCenter/Width, VOI LUT and Modality LUT sequences",
    "BurnedInAnnotation, LossyImageCompression",
    "Manufacturer (Arbiter recognises its own label SRs by it)",
)
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"


class _OwnIds(ElementAnonymizer):
    """PatientID and AccessionNumber take Arbiter's pseudonyms (dicognito would invent others)."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = {pydicom.datadict.tag_for_keyword(k): v for k, v in values.items()}

    def __call__(self, dataset: pydicom.Dataset, data_element: pydicom.DataElement) -> bool:
        if data_element.tag not in self._values:
            return False
        data_element.value = self._values[data_element.tag]
        return True

    def describe_actions(self) -> Iterator[str]:
        yield "Replace PatientID and AccessionNumber with Arbiter's keyed pseudonyms"


class _KeyedUids(ElementAnonymizer):
    """Instance UIDs -> keyed pseudonyms; class UIDs and the transfer syntax are kept."""

    def __init__(self, uid_map: Callable[[str], str]) -> None:
        self._map = uid_map

    def __call__(self, dataset: pydicom.Dataset, data_element: pydicom.DataElement) -> bool:
        if data_element.VR != "UI" or not data_element.value:
            return False
        keyword = pydicom.datadict.keyword_for_tag(data_element.tag)
        if keyword.endswith("ClassUID") or keyword in ("TransferSyntaxUID", "ImplementationClassUID"):
            return False
        if isinstance(data_element.value, pydicom.multival.MultiValue):
            data_element.value = [self._map(str(v)) for v in data_element.value]
        else:
            data_element.value = self._map(str(data_element.value))
        return True

    def describe_actions(self) -> Iterator[str]:
        yield "Replace instance UIDs with Arbiter's keyed 2.25 pseudonyms"


class _Remove(ElementAnonymizer):
    def __init__(self, keywords: tuple[str, ...]) -> None:
        self._tags = {pydicom.datadict.tag_for_keyword(k) for k in keywords}

    def __call__(self, dataset: pydicom.Dataset, data_element: pydicom.DataElement) -> bool:
        if data_element.tag not in self._tags:
            return False
        del dataset[data_element.tag]
        return True

    def describe_actions(self) -> Iterator[str]:
        yield "Remove free-text comments, descriptions and histories"


def burned_in_reason(ds: pydicom.Dataset) -> str:
    """Why this image may carry burned-in identifying text ('' when no sign of it)."""
    if str(ds.get("BurnedInAnnotation", "")).strip().upper() == "YES":
        return "burned_in_annotation"
    if str(ds.get("Modality", "")).strip().upper() == "US":
        return "ultrasound"
    if str(ds.get("SOPClassUID", "")).startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary_capture"
    return ""


def _anonymizer(
    *, uid_map: Callable[[str], str], patient_id: str, accession: str, seed: str, date_offset_days: int
) -> Anonymizer:
    anonymizer = Anonymizer(seed=seed)
    # Each added handler goes first: the last added runs first.
    anonymizer.add_element_handler(DateTimeAnonymizer(-24 * date_offset_days))
    anonymizer.add_element_handler(_KeyedUids(uid_map))
    anonymizer.add_element_handler(_OwnIds({"PatientID": patient_id, "AccessionNumber": accession}))
    anonymizer.add_element_handler(_Remove(REMOVED_FREE_TEXT))
    return anonymizer


def deidentify_dicom(
    content: bytes,
    *,
    uid_map: Callable[[str], str],
    patient_id: str,
    accession: str,
    seed: str,
    date_offset_days: int = 0,
) -> tuple[bytes, str]:
    """(the de-identified file's bytes, `burned_in_reason`); pixel data is kept byte for byte."""
    ds = pydicom.dcmread(io.BytesIO(content), force=True)
    reason = burned_in_reason(ds)
    ds.remove_private_tags()
    _anonymizer(
        uid_map=uid_map,
        patient_id=patient_id,
        accession=accession,
        seed=seed,
        date_offset_days=date_offset_days,
    ).anonymize(ds)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=bool(getattr(ds, "file_meta", None)))
    return buf.getvalue(), reason
