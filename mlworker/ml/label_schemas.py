"""The label schemas Arbiter knows: their keys, finding names and kinds. Single source of truth.

Django seeds its LabelSchema/Finding tables from here; the NLP labeler, the models and the
importers use the same names. Finding keys are the column names of the public data sets.
"""

from dataclasses import dataclass

MULTI_LABEL = "multi_label"
SINGLE_CHOICE = "single_choice"
NO_FINDING = "No Finding"


@dataclass(frozen=True)
class SchemaDef:
    key: str
    name: str
    kind: str
    findings: tuple[str, ...]
    # Findings that are derived from the others rather than labelled (No Finding).
    derived: tuple[str, ...] = ()

    @property
    def labelled_findings(self) -> tuple[str, ...]:
        return tuple(f for f in self.findings if f not in self.derived)


CXR14_FINDINGS: tuple[str, ...] = (
    "Atelectasis",
    "Cardiomegaly",
    "Effusion",
    "Infiltration",
    "Mass",
    "Nodule",
    "Pneumonia",
    "Pneumothorax",
    "Consolidation",
    "Edema",
    "Emphysema",
    "Fibrosis",
    "Pleural_Thickening",
    "Hernia",
)

CHEXPERT_FINDINGS: tuple[str, ...] = (
    "No Finding",
    "Enlarged Cardiomediastinum",
    "Cardiomegaly",
    "Lung Opacity",
    "Lung Lesion",
    "Edema",
    "Consolidation",
    "Pneumonia",
    "Atelectasis",
    "Pneumothorax",
    "Pleural Effusion",
    "Pleural Other",
    "Fracture",
    "Support Devices",
)

GOOGLE4_FINDINGS: tuple[str, ...] = ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")

OCT_CLASSES: tuple[str, ...] = ("CNV", "DME", "DRUSEN", "NORMAL")

PEDIATRIC_CXR_CLASSES: tuple[str, ...] = ("NORMAL", "PNEUMONIA")

SCHEMAS: dict[str, SchemaDef] = {
    s.key: s
    for s in (
        SchemaDef(
            "chestxray14",
            "ChestX-ray14 (14 findings + No Finding)",
            MULTI_LABEL,
            (*CXR14_FINDINGS, NO_FINDING),
            derived=(NO_FINDING,),
        ),
        SchemaDef(
            "chexpert", "CheXpert (14 observations)", MULTI_LABEL, CHEXPERT_FINDINGS, derived=(NO_FINDING,)
        ),
        SchemaDef("google4", "Google NIH expert labels (4 findings)", MULTI_LABEL, GOOGLE4_FINDINGS),
        SchemaDef("oct4", "Retinal OCT (CNV / DME / DRUSEN / NORMAL)", SINGLE_CHOICE, OCT_CLASSES),
        SchemaDef(
            "pediatric_cxr",
            "Pediatric chest X-ray (NORMAL / PNEUMONIA)",
            SINGLE_CHOICE,
            PEDIATRIC_CXR_CLASSES,
        ),
    )
}


def get_schema(key: str) -> SchemaDef:
    try:
        return SCHEMAS[key]
    except KeyError:
        raise KeyError(f"unknown label schema {key!r}; known: {', '.join(sorted(SCHEMAS))}") from None
