"""The label schemas Arbiter knows: their keys, finding names and kinds. Single source of truth.

Django seeds its LabelSchema/Finding tables from here; the NLP labeler, the models and the
importers use the same names. Finding keys are the column names of the public data sets.
"""

from dataclasses import dataclass

MULTI_LABEL = "multi_label"
SINGLE_CHOICE = "single_choice"
NO_FINDING = "No Finding"


@dataclass(frozen=True)
class Implied:
    """`finding` is positive in the final labels where `when` is positive and none of `unless` is,
    whatever its own votes (Google's all-findings Other: "abnormal, but no single finding")."""

    finding: str
    when: str
    unless: tuple[str, ...]


@dataclass(frozen=True)
class SchemaDef:
    key: str
    name: str
    kind: str
    findings: tuple[str, ...]
    # Findings that are derived from the others rather than labelled (No Finding).
    derived: tuple[str, ...] = ()
    implied: tuple[Implied, ...] = ()

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

# Google's all-findings expert labels (Nabulsi et al., Sci Rep 2021), in the release's column names:
# normal/abnormal, the 14 ChestX-ray14 findings, and Other (an abnormality outside the 14).
GOOGLE_ALL_FINDINGS: tuple[str, ...] = (
    "Abnormal",
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
    "Pleural Thickening",
    "Hernia",
    "Other",
)

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
        SchemaDef(
            "google_all",
            "Google NIH expert labels (all findings: abnormal, 14 findings, other)",
            MULTI_LABEL,
            GOOGLE_ALL_FINDINGS,
            # Google's README: Other is YES where a majority chose it, or where a majority said
            # abnormal but no single finding had a majority.
            implied=(Implied("Other", "Abnormal", GOOGLE_ALL_FINDINGS[1:-1]),),
        ),
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
