"""Kermany et al. (Cell 2018) image folders: OCT2017 (retinal OCT) and chest_xray (pediatric CXR).

Source: Mendeley Data, "Labeled Optical Coherence Tomography (OCT) and Chest X-Ray Images for
Classification" (doi:10.17632/rscbjbr9sj), also on Kaggle as OCT2017 and chest_xray. No CSVs and no
reports: the class folder is the label (layouts.label_schemas OCT_CLASSES, PEDIATRIC_CXR_CLASSES).

OCT2017/{train,test}/{CNV,DME,DRUSEN,NORMAL}/<CLASS>-<patient id>-<n>.jpeg
chest_xray/{train,test,val}/NORMAL/IM-<patient>-<n>.jpeg or NORMAL2-IM-<patient>-<n>.jpeg
chest_xray/{train,test,val}/PNEUMONIA/person<k>_bacteria_<n>.jpeg or person<k>_virus_<n>.jpeg
"""

import re

from layouts.label_schemas import OCT_CLASSES

OCT_DIR = "OCT2017"
PEDIATRIC_DIR = "chest_xray"
SPLITS: tuple[str, ...] = ("train", "test", "val")
IMAGE_SUFFIX = ".jpeg"
PNEUMONIA_KINDS: tuple[str, ...] = ("bacteria", "virus")

OCT_NAME = re.compile(
    rf"^(?P<cls>{'|'.join(OCT_CLASSES)})-(?P<patient>\d+)-(?P<n>\d+)\.jpe?g$", re.IGNORECASE
)
PEDIATRIC_NAMES: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(?:NORMAL2-)?IM-(?P<patient>\d+)-(?P<n>\d+)\.jpe?g$", re.IGNORECASE),
    re.compile(rf"^(?P<patient>person\d+)_(?:{'|'.join(PNEUMONIA_KINDS)})_(?P<n>\d+)\.jpe?g$", re.IGNORECASE),
)


def oct_name(cls: str, patient: int | str, n: int) -> str:
    return f"{cls}-{patient}-{n}{IMAGE_SUFFIX}"


def pediatric_normal_name(patient: int, n: int, *, normal2: bool = False) -> str:
    return f"{'NORMAL2-' if normal2 else ''}IM-{patient:04d}-{n:04d}{IMAGE_SUFFIX}"


def pediatric_pneumonia_name(person: int, kind: str, n: int) -> str:
    return f"person{person}_{kind}_{n}{IMAGE_SUFFIX}"


def oct_patient(cls: str, file_name: str) -> str:
    """The patient id in an OCT file name of class `cls`; ValueError where the name is not the layout's."""
    m = OCT_NAME.match(file_name)
    if not m or m.group("cls").upper() != cls:
        raise ValueError(f"{file_name} does not follow <CLASS>-<patient>-<n>.jpeg for class {cls}")
    return m.group("patient")


def pediatric_patient(file_name: str) -> str:
    """The patient in a pediatric file name; ValueError where the name is not the layout's."""
    for pattern in PEDIATRIC_NAMES:
        if m := pattern.match(file_name):
            return m.group("patient")
    raise ValueError(f"{file_name} does not follow the pediatric CXR naming (IM-<patient>-<n>, personN_...)")
