"""Adjudicated labels as a DICOM Basic Text SR, one per study: the artefact a PACS user expects.

Pure pydicom (no Django): ``build_label_sr(StudyLabels)`` returns the SR dataset, and
``read_label_sr(ds)`` reads one back into the same dataclasses. The content tree:

    CONTAINER  "Adjudicated image labels" (99ARBITER)
      CONTAINS TEXT   "Label set"            dataset, schema, label-set digest
      CONTAINS CONTAINER "Image"             one per labelled image
        CONTAINS IMAGE                       the image (SOP Class + Instance UID)
        CONTAINS CODE  <finding>             Present / Absent / Uncertain (SNOMED CT)
          HAS PROPERTIES CODE "How reached"  unanimous / consensus / majority / adjudicator ... (99ARBITER)
          HAS PROPERTIES TEXT "Adjudication" rounds, readers' final values (anonymised), decided at

The SR carries Manufacturer "Arbiter" so the PACS importer recognises it and never turns it into a
report. Its SOP Instance UID is derived from the study and the label set's content, so sending the
same labels twice sends the same instance (idempotent), and changed labels make a new instance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from imaging.sr_marks import ARBITER_SR_MANUFACTURER

__all__ = [
    "BASIC_TEXT_SR",
    "FindingLabel",
    "ImageLabels",
    "LabelSrError",
    "StudyLabels",
    "build_label_sr",
    "label_set_digest",
    "read_label_sr",
]

BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
MANUFACTURER = ARBITER_SR_MANUFACTURER  # how the PACS and file importers recognise these SRs
SCHEME = "99ARBITER"
SERIES_DESCRIPTION = "Arbiter adjudicated labels"
SERIES_NUMBER = 9901
# Our UID root is pydicom's (2.25 would also do); entropy makes UIDs deterministic per content.
_UID_PREFIX = "1.2.826.0.1.3680043.8.498."

_ROOT = ("ARB-LABELS", SCHEME, "Adjudicated image labels")
_LABEL_SET = ("ARB-LABELSET", SCHEME, "Label set")
_IMAGE = ("ARB-IMAGE", SCHEME, "Image")
_IMAGE_REF = ("121112", "DCM", "Source of Measurement")
_HOW = ("ARB-HOW", SCHEME, "How reached")
_DETAIL = ("ARB-DETAIL", SCHEME, "Adjudication")
VALUES = {
    "positive": ("52101004", "SCT", "Present"),
    "negative": ("2667000", "SCT", "Absent"),
    "uncertain": ("42425007", "SCT", "Equivocal"),
}
HOW_REACHED = {
    "unanimous": "Unanimous first read",
    "consensus": "Consensus after adjudication rounds",
    "majority": "Majority after the round limit",
    "adjudicator": "Adjudicator decision",
    "imported": "Imported expert label",
    "correction": "Correction of an earlier final label",
}
# Header attributes copied from the PACS's own study (patient and study modules).
HEADER_KEYWORDS = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "ReferringPhysicianName",
    "StudyID",
)
_MAX_LO = 64


class LabelSrError(ValueError):
    """The labels cannot be written as an SR, or a dataset is not an Arbiter label SR."""


@dataclass(frozen=True)
class FindingLabel:
    finding: str  # finding key, e.g. "Cardiomegaly"
    value: str  # positive | negative | uncertain
    how_reached: str  # a HOW_REACHED key
    rounds: int = 0
    reader_values: tuple[str, ...] = ()  # readers' final values, anonymised (order carries no identity)
    decided_at: str = ""  # ISO 8601


@dataclass(frozen=True)
class ImageLabels:
    sop_class_uid: str
    sop_instance_uid: str
    findings: tuple[FindingLabel, ...]


@dataclass(frozen=True)
class StudyLabels:
    study_instance_uid: str
    dataset: str  # dataset name or slug
    schema: str  # label schema key
    images: tuple[ImageLabels, ...]
    header: tuple[tuple[str, str], ...] = ()  # (keyword, value) pairs from HEADER_KEYWORDS


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value[:16]
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning[:_MAX_LO]
    return item


def _item(relationship: str, value_type: str, concept: tuple[str, str, str]) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = Sequence([_code(*concept)])
    return item


def _text(relationship: str, concept: tuple[str, str, str], text: str) -> Dataset:
    item = _item(relationship, "TEXT", concept)
    item.TextValue = text
    return item


def _finding_code(finding: str) -> tuple[str, str, str]:
    # Code values are at most 16 characters: a digest keeps long finding keys unique.
    value = finding if len(finding) <= 16 else "F" + hashlib.sha256(finding.encode()).hexdigest()[:15]
    return (value, SCHEME, finding)


def label_set_digest(study: StudyLabels) -> str:
    """A hex digest of the labels (not the header): equal labels give the same SR instance UID."""
    payload = json.dumps([study.study_instance_uid, [asdict(i) for i in study.images]], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _validate(study: StudyLabels) -> None:
    if not study.study_instance_uid:
        raise LabelSrError("A label SR needs the study's StudyInstanceUID.")
    if not study.images:
        raise LabelSrError("The study has no adjudicated labels to send.")
    for image in study.images:
        if not image.sop_instance_uid or not image.sop_class_uid:
            raise LabelSrError(
                "Every labelled image needs its SOP Class and Instance UID (DICOM images only)."
            )
        for f in image.findings:
            if f.value not in VALUES:
                raise LabelSrError(f"Label value {f.value!r} is not one of {', '.join(VALUES)}.")
            if f.how_reached not in HOW_REACHED:
                raise LabelSrError(f"How-reached {f.how_reached!r} is not one of {', '.join(HOW_REACHED)}.")
    unknown = {k for k, _ in study.header} - set(HEADER_KEYWORDS)
    if unknown:
        raise LabelSrError(f"Header keywords {sorted(unknown)} are not copied into a label SR.")


def _detail(f: FindingLabel) -> str:
    parts = [HOW_REACHED[f.how_reached]]
    if f.rounds:
        parts.append(f"{f.rounds} adjudication round{'s' if f.rounds != 1 else ''}")
    if f.reader_values:
        parts.append(f"readers' final values: {', '.join(f.reader_values)}")
    if f.decided_at:
        parts.append(f"decided {f.decided_at}")
    return "; ".join(parts)


def build_label_sr(study: StudyLabels, *, now: dt.datetime | None = None) -> Dataset:
    """The Basic Text SR (a complete Part 10 dataset with file meta) for one study's final labels."""
    _validate(study)
    now = now or dt.datetime.now(dt.UTC)
    digest = label_set_digest(study)
    sop_uid = generate_uid(prefix=_UID_PREFIX, entropy_srcs=["arbiter-label-sr", digest])
    series_uid = generate_uid(
        prefix=_UID_PREFIX, entropy_srcs=["arbiter-label-sr-series", study.study_instance_uid]
    )

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = BASIC_TEXT_SR
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: finding names and header values as given
    ds.SOPClassUID = BASIC_TEXT_SR
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study.study_instance_uid
    header = dict(study.header)
    for keyword in HEADER_KEYWORDS:  # type 2 attributes: present, empty when unknown
        setattr(ds, keyword, header.get(keyword, ""))
    ds.Modality = "SR"
    ds.Manufacturer = MANUFACTURER
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = SERIES_NUMBER
    ds.SeriesDescription = SERIES_DESCRIPTION
    ds.InstanceNumber = 1
    ds.ContentDate = now.strftime("%Y%m%d")
    ds.ContentTime = now.strftime("%H%M%S")
    ds.InstanceCreationDate = ds.ContentDate
    ds.InstanceCreationTime = ds.ContentTime
    ds.ReferencedPerformedProcedureStepSequence = Sequence()
    ds.PerformedProcedureCodeSequence = Sequence()
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = Sequence([_code(*_ROOT)])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"

    content = [
        _text(
            "CONTAINS", _LABEL_SET, f"dataset: {study.dataset}; schema: {study.schema}; labels: {digest[:16]}"
        )
    ]
    for image in study.images:
        box = _item("CONTAINS", "CONTAINER", _IMAGE)
        box.ContinuityOfContent = "SEPARATE"
        ref = _item("CONTAINS", "IMAGE", _IMAGE_REF)
        sop = Dataset()
        sop.ReferencedSOPClassUID = image.sop_class_uid
        sop.ReferencedSOPInstanceUID = image.sop_instance_uid
        ref.ReferencedSOPSequence = Sequence([sop])
        children = [ref]
        for f in image.findings:
            code = _item("CONTAINS", "CODE", _finding_code(f.finding))
            code.ConceptCodeSequence = Sequence([_code(*VALUES[f.value])])
            how = _item("HAS PROPERTIES", "CODE", _HOW)
            how.ConceptCodeSequence = Sequence(
                [_code(f.how_reached.upper(), SCHEME, HOW_REACHED[f.how_reached])]
            )
            code.ContentSequence = Sequence([how, _text("HAS PROPERTIES", _DETAIL, _detail(f))])
            children.append(code)
        box.ContentSequence = Sequence(children)
        content.append(box)
    ds.ContentSequence = Sequence(content)
    ds.preamble = b"\0" * 128
    return ds


def _meaning(item: Dataset) -> str:
    return str(item.ConceptNameCodeSequence[0].CodeMeaning)


def read_label_sr(ds: Dataset) -> StudyLabels:
    """Read an Arbiter label SR back (values, how reached, rounds; reader values and dates as written)."""
    if str(ds.get("SOPClassUID", "")) != BASIC_TEXT_SR or str(ds.get("Manufacturer", "")) != MANUFACTURER:
        raise LabelSrError("Not an Arbiter label SR (Basic Text SR with Manufacturer 'Arbiter').")
    try:
        by_value = {v[0]: k for k, v in VALUES.items()}
        dataset = schema = ""
        images = []
        for item in ds.ContentSequence:
            if item.ValueType == "TEXT" and _meaning(item) == _LABEL_SET[2]:
                fields = dict(part.split(": ", 1) for part in str(item.TextValue).split("; "))
                dataset, schema = fields["dataset"], fields["schema"]
            elif item.ValueType == "CONTAINER" and _meaning(item) == _IMAGE[2]:
                ref = next(c for c in item.ContentSequence if c.ValueType == "IMAGE").ReferencedSOPSequence[0]
                findings = []
                for c in item.ContentSequence:
                    if c.ValueType != "CODE":
                        continue
                    props = {_meaning(p): p for p in c.ContentSequence}
                    how = str(props[_HOW[2]].ConceptCodeSequence[0].CodeValue).lower()
                    detail = str(props[_DETAIL[2]].TextValue).split("; ")
                    rounds = next((int(p.split()[0]) for p in detail[1:] if p[:1].isdigit()), 0)
                    readers = next((p.split(": ", 1)[1] for p in detail if p.startswith("readers'")), "")
                    decided = next(
                        (p.removeprefix("decided ") for p in detail if p.startswith("decided ")), ""
                    )
                    findings.append(
                        FindingLabel(
                            finding=_meaning(c),
                            value=by_value[str(c.ConceptCodeSequence[0].CodeValue)],
                            how_reached=how,
                            rounds=rounds,
                            reader_values=tuple(readers.split(", ")) if readers else (),
                            decided_at=decided,
                        )
                    )
                images.append(
                    ImageLabels(
                        sop_class_uid=str(ref.ReferencedSOPClassUID),
                        sop_instance_uid=str(ref.ReferencedSOPInstanceUID),
                        findings=tuple(findings),
                    )
                )
    except (AttributeError, KeyError, IndexError, StopIteration, ValueError) as exc:
        raise LabelSrError(f"The label SR's content tree is malformed ({type(exc).__name__}).") from exc
    header = tuple((k, str(ds.get(k, "") or "")) for k in HEADER_KEYWORDS if str(ds.get(k, "") or ""))
    return StudyLabels(
        study_instance_uid=str(ds.StudyInstanceUID),
        dataset=dataset,
        schema=schema,
        images=tuple(images),
        header=header,
    )
