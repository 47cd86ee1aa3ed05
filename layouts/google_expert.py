"""Google's expert labels for NIH ChestX-ray14, as Google publishes them: file names, headers, cells.

Source: https://cloud.google.com/healthcare-api/docs/resources/public-datasets/nih-chest (bucket
gcs-public-data--healthcare-nih-chest-xray-labels): four findings (Majkowska et al., Radiology 2019)
and all findings (Nabulsi et al., Sci Rep 2021). One top folder holds a README and two subfolders, each
with its README and CSVs under long names; Google's README calls the CSVs by short names, and users
save them so. No file ends with a newline. The four-findings labels files carry the full NIH
Data_Entry_2017.csv header first (bracketed names, unquoted commas), then the findings and `Set Id`;
the readers' files name the image `Image ID`. Cells: YES / NO; readers of four findings could HEDGE
(Pneumothorax and Nodule/mass only); all-findings readers give `Abnormal` as 1 / 0. An empty cell in a
labels file means "not adjudicated for that finding".
"""

from layouts.chestxray14 import (
    DATA_ENTRY_HEADER,
    FOLLOW_UP,
    IMAGE_INDEX,
    PATIENT_AGE,
    PATIENT_GENDER,
    PATIENT_ID,
    VIEW_POSITION,
)
from layouts.label_schemas import GOOGLE4_FINDINGS, GOOGLE_ALL_FINDINGS

TOP_FOLDER = "gcs-public-data--healthcare-nih-chest-xray-labels"
FOUR_FINDINGS_DIR = "four_findings_expert_labels"
ALL_FINDINGS_DIR = "all_findings_expert_labels"

# file role -> name, under the bucket's long names and under the names Google's README uses
FOUR_FINDINGS_FILES: dict[str, dict[str, str]] = {
    "long": {
        "readers": "four_findings_expert_labels_individual_readers.csv",
        "test": "four_findings_expert_labels_test_labels.csv",
        "validation": "four_findings_expert_labels_validation_labels.csv",
    },
    "short": {
        "readers": "individual_readers.csv",
        "test": "test_labels.csv",
        "validation": "validation_labels.csv",
    },
}
ALL_FINDINGS_FILES: dict[str, dict[str, str]] = {
    "long": {
        "readers": "all_findings_expert_labels_test_individual_readers.csv",
        "test": "all_findings_expert_labels_test_labels.csv",
    },
    "short": {"readers": "test_individual_readers.csv", "test": "test_labels.csv"},
}
PUBLISHED_NAMES: frozenset[str] = frozenset(
    name
    for files in (FOUR_FINDINGS_FILES, ALL_FINDINGS_FILES)
    for by_role in files.values()
    for name in by_role.values()
)
LABEL_FILE_SUFFIXES: tuple[str, ...] = ("individual_readers.csv", "labels.csv")

IMAGE_ID = "Image ID"
IMAGE_COLUMNS: tuple[str, ...] = (IMAGE_INDEX, IMAGE_ID)  # labels files / readers' files
READER_ID = "Reader ID"
SET_COLUMNS: tuple[str, ...] = ("Set ID", "Set Id")  # the readers' files / the labels files

# Four findings: the schema's finding keys are the labels files' columns; the readers' files
# spell Nodule or mass as Nodule/mass.
FOUR_FINDINGS_ALIASES: dict[str, tuple[str, ...]] = {"Nodule or mass": ("Nodule or mass", "Nodule/mass")}
FOUR_READER_COLUMNS: tuple[str, ...] = tuple(FOUR_FINDINGS_ALIASES.get(f, (f,))[-1] for f in GOOGLE4_FINDINGS)
FOUR_FINDINGS_MARKER = "Airspace opacity"  # a column only four-findings files have
ALL_FINDINGS_MARKER = "Atelectasis"  # a column only all-findings files have
FOUR_LABELS_HEADER: tuple[str, ...] = (*DATA_ENTRY_HEADER, *GOOGLE4_FINDINGS, SET_COLUMNS[1])
FOUR_READERS_HEADER: tuple[str, ...] = (PATIENT_ID, IMAGE_ID, READER_ID, *FOUR_READER_COLUMNS, SET_COLUMNS[0])
# A short form of the four-findings labels file, read the same way: the NIH columns without Finding
# Labels and the size columns, then the findings, no Set Id (the synthetic cohort writes it, and
# Arbiter's google4 label export starts with these columns).
FOUR_LABELS_SHORT_COLUMNS: tuple[str, ...] = (
    IMAGE_INDEX,
    PATIENT_ID,
    FOLLOW_UP,
    PATIENT_AGE,
    PATIENT_GENDER,
    VIEW_POSITION,
)
ALL_LABELS_HEADER: tuple[str, ...] = (IMAGE_ID, PATIENT_ID, *GOOGLE_ALL_FINDINGS)
ALL_READERS_HEADER: tuple[str, ...] = (IMAGE_ID, PATIENT_ID, READER_ID, *GOOGLE_ALL_FINDINGS)

YES = "YES"
NO = "NO"
HEDGE = "HEDGE"  # an individual reader's uncertain read; never a published (adjudicated) value
HEDGE_ALLOWED: tuple[str, ...] = ("Pneumothorax", "Nodule or mass")
# What a cell reads as (label value names: annotations' LabelValue), case-insensitively.
CELL_VALUES: dict[str, str] = {
    YES: "positive",
    NO: "negative",
    "1": "positive",
    "0": "negative",
    "TRUE": "positive",
    "FALSE": "negative",
    HEDGE: "uncertain",
}
# The three "ground truth radiologists" of the all-findings set (Google's README).
ALL_FINDINGS_DESIGNATED_READERS: tuple[str, ...] = ("4343882785", "4343883593", "4343883996")
