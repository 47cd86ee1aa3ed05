"""Bringing what an older database stored up to the privacy rules: DICOM files written before
de-identification are rewritten de-identified, and (asked for separately) stored report texts are
scrubbed. Migration 0009 already moved the table rows to pseudonyms; this touches the files.

A file is rewritten in place (its path is its pixel checksum, unchanged); one already carrying
dicognito's DeidentificationMethod is skipped, so a second run does nothing. Dates inside the file
are kept: the rows' dates were not shifted either. Scrubbing a report changes its text, so NLP
evidence spans into the old text go stale: rerun the NLP job of the dataset afterwards.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pydicom
from django.conf import settings

from annotations.ingest.reports import report_known_identifiers, report_upsert
from annotations.models import Dataset, Image, QCFlag, Report
from annotations.models.choices import FileFormat, QCKind
from annotations.privacy.pseudonyms import PseudonymKind
from annotations.privacy.report_scrub import scrub_report
from annotations.services.privacy.identity import known_originals, pseudonymiser, uid_pseudonym
from imaging.deid import deidentify_dicom

BURNED_IN_RULES = "dicom-header-v1"


@dataclass
class BackfillResult:
    files_rewritten: int = 0
    files_already_done: int = 0
    files_failed: int = 0
    burned_in_flagged: int = 0
    reports_scrubbed: int = 0


def _done(ds: pydicom.Dataset) -> bool:
    return "DICOGNITO" in str(ds.get("DeidentificationMethod", "")).upper()


def _rewrite(image: Image, result: BackfillResult) -> None:
    path = Path(settings.MEDIA_ROOT) / image.file.name
    try:
        content = path.read_bytes()
        if _done(pydicom.dcmread(io.BytesIO(content), force=True, stop_before_pixels=True)):
            result.files_already_done += 1
            return
        patient = image.study.patient.pseudo_id
        original = known_originals({PseudonymKind.PATIENT: patient}).get(PseudonymKind.PATIENT, patient)
        new, reason = deidentify_dicom(
            content,
            uid_map=uid_pseudonym,
            patient_id=patient,
            accession=image.study.accession_number,
            seed=pseudonymiser().seed(original),
        )
    except Exception:  # an unreadable file stays as it was and is counted, never half-written
        result.files_failed += 1
        return
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(new)
    tmp.replace(path)
    result.files_rewritten += 1
    if reason:
        _, created = QCFlag.objects.get_or_create(
            image=image,
            kind=QCKind.BURNED_IN,
            source_version=BURNED_IN_RULES,
            defaults={"probability": 1.0, "detail": {"reason": reason}},
        )
        result.burned_in_flagged += created


def privacy_backfill(dataset: Dataset, *, reports: bool = False) -> BackfillResult:
    result = BackfillResult()
    images = Image.objects.filter(dataset=dataset, file_format=FileFormat.DICOM).select_related(
        "study__patient"
    )
    for image in images.iterator():
        _rewrite(image, result)
    if reports:
        for report in Report.objects.filter(study__dataset=dataset).select_related("study__patient"):
            if scrub_report(report.text, known=report_known_identifiers(report.study)) != report.text:
                report_upsert(report.study, report.text, source=report.source)  # scrubs on the way in
                result.reports_scrubbed += 1
    return result
