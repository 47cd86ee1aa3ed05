"""Report CSVs that carry their own gold: texts plus one human-coded column per finding.

Two layouts are read:

- a report column (`Reports`, `report`, `text`, or the name given) plus finding columns;
- the Open-i layout (`uid,indication,comparison,findings,impression,<finding>...,normal`), whose
  sections are joined into one report with their headers ("INDICATION: ...\\nFINDINGS: ..."), so the
  labeler reads FINDINGS and IMPRESSION and skips INDICATION and COMPARISON as it does any report.

Gold cells may be binary (1 / 0) or the CheXpert convention (1 / 0 / -1 / blank, "1.0" too).
Presence -- what the binary scores count -- is a cell of 1 and nothing else: 0, -1 and blank are
"absent" (the Open-i gold's convention: hedged mentions were coded absent). A column `normal`
stands for No Finding. `held_aside(uid)` is the fixed development split: a deterministic hash of
the report id, about 30 % held aside.
"""

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layouts.label_schemas import NO_FINDING
from ml.nlp.chexpert_csv import _allow_long_fields, _open_text
from ml.nlp.errors import ReportCSVError
from ml.nlp.labels import POSITIVE, from_chexpert_value

SECTION_COLUMNS = ("indication", "comparison", "findings", "impression")
TEXT_COLUMNS = ("Reports", "report", "text", "report_text")
ID_COLUMNS = ("uid", "id", "report_id", "accession_number")
ALIASES = {"normal": NO_FINDING}
HELD_ASIDE_SHARE = 0.3


@dataclass(frozen=True)
class GoldReport:
    uid: str
    text: str
    gold: dict[str, str | None]  # finding -> positive / negative / uncertain / None

    def present(self, finding: str) -> bool:
        return self.gold.get(finding) == POSITIVE


@dataclass(frozen=True)
class GoldReports:
    findings: tuple[str, ...]  # finding columns found, in the schema's order
    reports: tuple[GoldReport, ...]


def held_aside(uid: str, share: float = HELD_ASIDE_SHARE) -> bool:
    """Whether a report belongs to the held-aside part: sha256 of its id, first 8 hex digits."""
    bucket = int(hashlib.sha256(str(uid).encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return bucket < share


def sectioned_text(parts: dict[str, str]) -> str:
    """Open-i sections -> one report with headers, empty sections left out."""
    present = [name for name in SECTION_COLUMNS if parts.get(name, "").strip()]
    return "\n".join(f"{name.upper()}: {parts[name].strip()}" for name in present)


def read_gold_reports(path: Path, findings: Sequence[str], text_column: str | None = None) -> GoldReports:
    """Reports and their gold for whichever of `findings` the file has a column for."""
    _allow_long_fields()
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if not columns:
            raise ReportCSVError(f"{path} is empty; expected a header row")
        reader.fieldnames = columns
        lower = {c.lower(): c for c in columns}
        sections = {name: lower[name] for name in SECTION_COLUMNS if name in lower}
        if text_column is not None and text_column not in columns:
            raise ReportCSVError(f"{path} has no column {text_column!r}; columns found: {', '.join(columns)}")
        text_col = text_column or next((c for c in TEXT_COLUMNS if c in columns), None)
        if text_col is None and not {"findings", "impression"} & set(sections):
            raise ReportCSVError(
                f"{path} has no report column ({', '.join(TEXT_COLUMNS)}) and no findings/impression "
                f"columns; columns found: {', '.join(columns)}"
            )
        by_name = {ALIASES.get(c.lower(), c): c for c in columns}
        wanted = tuple(f for f in findings if f in by_name)
        if not wanted:
            raise ReportCSVError(
                f"{path} has no gold column for any of {', '.join(findings)}; "
                f"columns found: {', '.join(columns)}"
            )
        id_col = next((c for c in ID_COLUMNS if c in columns), None)
        reports = []
        try:
            for index, row in enumerate(reader):
                if text_col is not None:
                    text = row.get(text_col) or ""
                else:
                    text = sectioned_text({name: row.get(col) or "" for name, col in sections.items()})
                gold: dict[str, str | None] = {}
                for finding in wanted:
                    try:
                        gold[finding] = from_chexpert_value(row.get(by_name[finding]))
                    except ValueError as exc:
                        raise ReportCSVError(
                            f"{path}, line {reader.line_num}, column {by_name[finding]!r}: {exc}"
                        ) from None
                uid = (row.get(id_col) or "").strip() if id_col else ""
                reports.append(GoldReport(uid or str(index + 1), text, gold))
        except csv.Error as exc:
            raise ReportCSVError(f"{path}, line {reader.line_num}: not a valid CSV row ({exc})") from exc
    return GoldReports(wanted, tuple(reports))
