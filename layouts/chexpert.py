"""CheXpert (Irvin et al., AAAI 2019) as Stanford publishes it: CheXpert-v1.0(-small)/{train,valid}.csv.

Source: https://stanfordmlgroup.github.io/competitions/chexpert/ (the CheXpert-v1.0-small download).
Header: Path, Sex, Age, Frontal/Lateral, AP/PA, then the 14 observations. Path starts with the release
folder: CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg. Observation cells are the
CheXpert labeler's: 1.0 positive, 0.0 negative, -1.0 uncertain, blank not mentioned (valid.csv, the
radiologists' labels, has 1.0 / 0.0 only). AP/PA is blank for lateral views; Sex is Male / Female.
"""

from layouts.label_schemas import CHEXPERT_FINDINGS

RELEASE_DIR = "CheXpert-v1.0-small"
SPLITS: tuple[str, ...] = ("train", "valid")
CSV_NAMES: tuple[str, ...] = tuple(f"{split}.csv" for split in SPLITS)

PATH = "Path"
SEX = "Sex"
AGE = "Age"
FRONTAL_LATERAL = "Frontal/Lateral"
AP_PA = "AP/PA"
METADATA_COLUMNS: tuple[str, ...] = (PATH, SEX, AGE, FRONTAL_LATERAL, AP_PA)
HEADER: tuple[str, ...] = (*METADATA_COLUMNS, *CHEXPERT_FINDINGS)

FRONTAL = "Frontal"
LATERAL = "Lateral"
FRONTAL_FILE = "view1_frontal.jpg"
LATERAL_FILE = "view2_lateral.jpg"

# Observation cells, keyed by label value name (annotations' LabelValue, synthetic's report labels).
POSITIVE = "1.0"
NEGATIVE = "0.0"
UNCERTAIN = "-1.0"
BLANK = ""  # not mentioned: no label
CELLS: dict[str, str] = {"positive": POSITIVE, "negative": NEGATIVE, "uncertain": UNCERTAIN}
# What a cell reads as: the labeler's spelling, and the integer one some re-saved copies have.
CELL_VALUES: dict[str, str] = {
    "1.0": "positive",
    "1": "positive",
    "0.0": "negative",
    "0": "negative",
    "-1.0": "uncertain",
    "-1": "uncertain",
}


def patient_folder(patient: int) -> str:
    return f"patient{patient:05d}"


def study_folder(study: int) -> str:
    return f"study{study}"


def image_path(split: str, patient: int, study: int, file_name: str) -> str:
    """The Path cell: CheXpert-v1.0-small/<split>/patient00001/study1/view1_frontal.jpg."""
    return f"{RELEASE_DIR}/{split}/{patient_folder(patient)}/{study_folder(study)}/{file_name}"
