"""NIH ChestX-ray14 (Wang et al., CVPR 2017) as NIH publishes it: Data_Entry_2017.csv beside the PNGs.

Source: https://nihcc.app.box.com/v/ChestXray-NIHCC (README_CHESTXRAY.pdf). The CSV's last two column
names are bracketed and hold unquoted commas (`OriginalImage[Width,Height]`,
`OriginalImagePixelSpacing[x,y]`), so a CSV reader splits them into four cells; the 2017 file also
ends every line with a comma (an empty twelfth column), copies re-saved since often do not. Images
are `<patient id, 8 digits>_<follow-up, 3 digits>.png`, shipped as images_001/images/... (any depth).
"""

from layouts.label_schemas import NO_FINDING

DATA_ENTRY = "Data_Entry_2017.csv"
IMAGES_DIR = "images"
IMAGE_SUFFIX = ".png"

IMAGE_INDEX = "Image Index"
FINDING_LABELS = "Finding Labels"
FOLLOW_UP = "Follow-up #"
PATIENT_ID = "Patient ID"
PATIENT_AGE = "Patient Age"
PATIENT_GENDER = "Patient Gender"
VIEW_POSITION = "View Position"

# The columns an importer needs, in the published order.
METADATA_COLUMNS: tuple[str, ...] = (
    IMAGE_INDEX,
    FINDING_LABELS,
    FOLLOW_UP,
    PATIENT_ID,
    PATIENT_AGE,
    PATIENT_GENDER,
    VIEW_POSITION,
)
# The header as a CSV reader splits it: the bracketed names fall apart on their commas.
DATA_ENTRY_HEADER: tuple[str, ...] = (
    *METADATA_COLUMNS,
    "OriginalImage[Width",
    "Height]",
    "OriginalImagePixelSpacing[x",
    "y]",
)

# Where each column stands in a row as a CSV reader splits it (for readers that go by position,
# since the bracketed names make the header awkward to key by).
POSITION: dict[str, int] = {name: i for i, name in enumerate(DATA_ENTRY_HEADER)}

FINDING_SEPARATOR = "|"  # Finding Labels: "Effusion|Mass", or "No Finding"
PATIENT_ID_DIGITS = 8  # Patient ID is written without its leading zeros; Image Index keeps them


def image_name(patient: int, follow_up: int) -> str:
    """The Image Index of a patient's film: 00000001_000.png."""
    return f"{patient:0{PATIENT_ID_DIGITS}d}_{follow_up:03d}{IMAGE_SUFFIX}"


def finding_labels(findings: list[str] | tuple[str, ...]) -> str:
    """The Finding Labels cell of an image with these findings."""
    return FINDING_SEPARATOR.join(findings) or NO_FINDING
