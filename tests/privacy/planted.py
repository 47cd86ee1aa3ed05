"""A patient whose identifiers are planted in DICOM headers and report text, to search for later."""

import datetime as dt
import io

import pydicom
from pydicom.dataset import Dataset

from tests.imaging import factory

NAME = "WHITFIELD^HORATIO"
NAME_WORDS = ("Whitfield", "Horatio")
MRN = "MRN99813577"
ACCESSION = "ACC55120943"
BIRTH = dt.date(1961, 3, 14)
STUDY_DATE = dt.date(2021, 7, 9)
STUDY_UID = "1.2.826.0.1.3680043.8.498.7719.1"
SOP_UIDS = [f"1.2.826.0.1.3680043.8.498.7719.1.{i}" for i in (1, 2)]
SERIES_UID = "1.2.826.0.1.3680043.8.498.7719.1.100"
INSTITUTION = "Saint Elsewhere Memorial"
REFERRER = "QUIMBY^BARTHOLOMEW"
# Strings that must appear nowhere outside the admin-only mapping (case-insensitive search).
PLANTED = (
    "Whitfield",
    "Horatio",
    MRN,
    "99813577",
    ACCESSION,
    "55120943",
    STUDY_UID,
    SERIES_UID,
    *SOP_UIDS,
    "1961",
    "19610314",
    "20210709",
    "07/09/2021",
    "2021-07-09",
    "Elsewhere",
    "Quimby",
    "Bartholomew",
)
REPORT = (
    f"Patient: Horatio Whitfield   MRN: {MRN}   DOB: 03/14/1961\n"
    f"Accession #: {ACCESSION}   Exam date: 07/09/2021\n"
    "INDICATION: Cough.\n"
    "COMPARISON: 2021-07-09.\n"
    "FINDINGS: Small left pleural effusion. No pneumothorax. Heart size is normal.\n"
    "IMPRESSION: Small left pleural effusion. Dr. Bartholomew Quimby was notified at 10:42 am.\n"
)


def image_bytes(i: int, **extra) -> bytes:
    ds = factory.dicom_dataset(
        factory.gradient(24, 24, seed=700 + i),
        patient_id=MRN,
        study_date=STUDY_DATE,
        sop_instance_uid=SOP_UIDS[i],
        study_instance_uid=STUDY_UID,
    )
    ds.PatientName = NAME
    ds.PatientBirthDate = BIRTH.strftime("%Y%m%d")
    ds.AccessionNumber = ACCESSION
    ds.SeriesInstanceUID = SERIES_UID
    ds.InstitutionName = INSTITUTION
    ds.ReferringPhysicianName = REFERRER
    ds.OtherPatientIDs = "99813577"
    ds.ImageComments = f"portable, {NAME}"
    ds.StudyDescription = f"CHEST for {MRN}"
    block = ds.private_block(0x0029, "HOSPITAL PRIVATE", create=True)
    block.add_new(0x01, "LO", f"{MRN} {NAME}")
    for key, value in extra.items():
        setattr(ds, key, value)
    return factory.to_bytes(ds)


def sr_bytes() -> bytes:
    ds = pydicom.dcmread(io.BytesIO(factory.sr_bytes([("Findings", REPORT)])))
    ds.PatientID = MRN
    ds.PatientName = NAME
    ds.AccessionNumber = ACCESSION
    ds.StudyInstanceUID = STUDY_UID
    ds.StudyDate = STUDY_DATE.strftime("%Y%m%d")
    return factory.to_bytes(ds)


def hits(text: str) -> list[str]:
    low = text.lower()
    return [p for p in PLANTED if p.lower() in low]


def header_text(ds: Dataset) -> str:
    return "\n".join(f"{el.keyword} {el.value!s}" for el in ds.iterall() if el.keyword != "PixelData")
