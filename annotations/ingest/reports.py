"""Reports: from a CSV of (accession or study UID or image index, text) and from SR files.

Report text is scrubbed before it is stored (`annotations.privacy.report_scrub`): the study's own
identifiers (from the admin-only mapping, and the SR header when there is one) and anything shaped
like a name, date or identifier. CSV rows name studies by their original accession or UID, which
are looked up through their keyed pseudonyms.
"""

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from annotations.ingest.csvfiles import CsvLayoutError, open_csv
from annotations.ingest.results import IngestSummary, ProgressCallback
from annotations.models import Dataset, Image, Report, Study
from annotations.privacy.pseudonyms import PseudonymKind
from annotations.privacy.report_scrub import scrub_report
from annotations.services.privacy.identity import known_originals, pseudonymiser
from layouts import reports as layout

_HEADING = re.compile(r"^[ \t]*([A-Z][A-Z /&-]{2,40}):", re.MULTILINE)
ID_COLUMNS = layout.ID_COLUMNS
TEXT_COLUMNS = layout.TEXT_COLUMNS


def split_sections(text: str) -> dict[str, dict[str, int]]:
    """Headed sections of a report as {"findings": {"start": s, "end": e}} character offsets."""
    heads = list(_HEADING.finditer(text))
    sections: dict[str, dict[str, int]] = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        name = m.group(1).strip().lower().replace(" ", "_")
        sections.setdefault(name, {"start": m.end(), "end": end})
    return sections


def report_known_identifiers(study: Study) -> list[str]:
    """The study's original identifiers (patient id, name, accession) from the admin-only mapping."""
    found = known_originals(
        {
            PseudonymKind.PATIENT: study.patient.pseudo_id,
            PseudonymKind.PATIENT_NAME: study.patient.pseudo_id,
            PseudonymKind.ACCESSION: study.accession_number,
        }
    )
    return list(found.values())


def report_upsert(study: Study, text: str, *, source: str, known: Iterable[str] = ()) -> tuple[Report, str]:
    """Attach `text`, scrubbed, to `study`; returns (report, "created" | "updated" | "unchanged").

    `known`: identifiers the caller read beside the text (an SR's header) to scrub as well."""
    text = scrub_report(text, known=[*known, *report_known_identifiers(study)])
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(study=study).first()
        if report is None:
            report = Report.objects.create(
                study=study, text=text, sections=split_sections(text), text_sha256=digest, source=source
            )
            return report, "created"
        if report.text_sha256 == digest:
            return report, "unchanged"
        report.text, report.sections, report.text_sha256, report.source = (
            text,
            split_sections(text),
            digest,
            source,
        )
        report.save()
        return report, "updated"


def _count(summary: IngestSummary, outcome: str) -> None:
    if outcome == "created":
        summary.reports_created += 1
    elif outcome == "updated":
        summary.reports_updated += 1
    else:
        summary.existing += 1


def _find_study(dataset: Dataset, column: str, key: str) -> Study | None:
    """The study a row names; by its original accession or UID, or by the pseudonym itself."""
    ps = pseudonymiser()
    if column == layout.ACCESSION_NUMBER:
        found = Study.objects.filter(dataset=dataset, accession_number__in=[ps.accession(key), key])
        return found.select_related("patient").first()
    if column == layout.STUDY_INSTANCE_UID:
        found = Study.objects.filter(dataset=dataset, study_instance_uid__in=[ps.uid(key), key])
        return found.select_related("patient").first()
    image = Image.objects.filter(dataset=dataset, source_key=key).select_related("study").first()
    return image.study if image else None


def import_reports_csv(
    dataset: Dataset, path: Path, *, on_progress: ProgressCallback | None = None
) -> IngestSummary:
    """Import a reports CSV whose rows name a study by accession number, study UID or image index.

    Unknown references are per-row errors; the other rows still import.
    """
    summary = IngestSummary()
    columns, rows = open_csv(path, layout="reports CSV")
    id_columns = [c for c in ID_COLUMNS if c in columns]
    text_column = next((c for c in TEXT_COLUMNS if c in columns), None)
    if not id_columns or text_column is None:
        raise CsvLayoutError(
            f"reports CSV: {path.name} needs one id column ({', '.join(ID_COLUMNS)}) and one text column "
            f"({', '.join(TEXT_COLUMNS)}); found {', '.join(columns) or 'no header'}",
            detail={"found": columns},
        )
    for done, (line, row) in enumerate(rows, start=1):
        text = row.get(text_column, "")
        # The most specific id present in the row wins.
        id_column = next((c for c in id_columns if row.get(c)), id_columns[0])
        key = row.get(id_column, "")
        if not key:
            summary.error(f"{path.name}:{line}", "missing_id", "row has no study or image reference")
        elif not text.strip():
            summary.error(f"{path.name}:{line}", "empty_report", f"report for {id_column} is empty")
        elif (study := _find_study(dataset, id_column, key)) is None:
            summary.error(
                f"{path.name}:{line}",
                "unknown_reference",
                f"no study in dataset {dataset.slug!r} has this row's {id_column}",
            )
        else:
            _count(summary, report_upsert(study, text, source="csv")[1])
        if on_progress:
            on_progress(done, None)
    return summary
