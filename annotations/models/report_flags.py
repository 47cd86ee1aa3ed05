"""Flags the NLP pipeline reads from a report that are not findings of the label schema.

Storage decision: one row per (report, flag, pipeline version), on the *report*, not the image.

* Not a `Label`: a flag is not a finding of the dataset's schema. Labels are what readers answer,
  models predict and exports publish; a flag row lives in its own table so it can never appear in
  a label export, a reader's questions, agreement statistics or a model's targets.
* Not a `QCFlag`: a QC flag says the *image* is bad and sends it to the QC worklist (and holds it
  out of reading). An implant is not a bad image; it is a statement of the report about the patient,
  used to *select* images (Oakden-Rayner excluded hip prostheses from a hip-fracture cohort).
* On the report: the flag is read from the report text, and its evidence spans are offsets into
  `Report.text`; every image of the report's study inherits it through the study (a selector joins).
  Labels are copied per image because readers label images; a flag is never read per image.

Like NLP labels, a pipeline version is immutable: a rerun of the same version stores nothing new, a
new pipeline version adds a row, and readers of the flag take the newest row per (report, flag).
"""

from django.db import models

from annotations.models.choices import LabelValue
from annotations.models.clinical import Report


class ReportFlagKey(models.TextChoices):
    """The flags of `ml.nlp.phrases.FLAGS` (phrase files under phrases/flags/)."""

    IMPLANT = "Implant", "Implant or metal (prosthesis, hardware, wires, device)"


class ReportFlag(models.Model):
    """One flag's value in one report from one NLP pipeline version, with its evidence spans.

    `value` is positive / negative / uncertain, or blank when the report does not mention it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="flags")
    flag = models.CharField(max_length=32, choices=ReportFlagKey.choices)
    value = models.CharField(max_length=10, choices=LabelValue.choices)
    # [{"start": int, "end": int, "text": str, "value": str, "section": str, "rule": str}] into the
    # report text, as NLP labels store them.
    evidence = models.JSONField(default=list, blank=True)
    source_version = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "flag", "source_version"], name="reportflag_unique_per_version"
            ),
        ]
        indexes = [models.Index(fields=["flag", "value"])]

    def __str__(self) -> str:
        return f"{self.flag}={self.value} (report {self.report_id}, {self.source_version})"
