"""Report labeling: findings mined from radiology report text, with negation, uncertainty and evidence.

Django-free. The public API:

    from ml.nlp import ReportLabeler, to_chexpert_value
    labeler = ReportLabeler("chexpert", flags=("Implant",))
    labels = labeler.label(report_text)          # ReportLabels
    labels["Pleural Effusion"].value             # "positive" / "negative" / "uncertain" / None
    labels["Pleural Effusion"].evidence          # (Evidence(start, end, text, value, ...), ...)
    labeler.version                              # record it with every label

See README.md in this package for what each module owns and how to edit the phrase files.
"""

from ml.nlp.errors import NLPError, PhraseFileError, ReportCSVError, UnknownSchemaError
from ml.nlp.labeler import MAX_REPORT_CHARS, ReportInputError, ReportLabeler
from ml.nlp.labels import (
    NEGATIVE,
    POSITIVE,
    UNCERTAIN,
    Cue,
    Evidence,
    FindingLabel,
    ReportLabels,
    from_chexpert_value,
    to_chexpert_value,
)
from ml.nlp.phrases import FLAGS, IMPLANT

__all__ = [
    "FLAGS",
    "IMPLANT",
    "MAX_REPORT_CHARS",
    "NEGATIVE",
    "POSITIVE",
    "UNCERTAIN",
    "Cue",
    "Evidence",
    "FindingLabel",
    "NLPError",
    "PhraseFileError",
    "ReportCSVError",
    "ReportInputError",
    "ReportLabeler",
    "ReportLabels",
    "UnknownSchemaError",
    "from_chexpert_value",
    "to_chexpert_value",
]
