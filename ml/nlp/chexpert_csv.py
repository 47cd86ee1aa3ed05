"""CSV in the CheXpert labeler's conventions: reports in, `Reports` + one column per finding out.

Input: like the CheXpert labeler, a headerless CSV whose first column is the report text (one
report per row); or, with `text_column`, a CSV with a header row and the report in that column.
The file is read as UTF-8 (a byte-order mark is skipped, undecodable bytes become U+FFFD) and
streamed, so a million reports never sit in memory; a field may be as long as a report can be.

Output: a header `Reports,<finding>,...` then per report its text and 1.0 / 0.0 / -1.0 / blank.
"""

import csv
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ml.nlp.errors import ReportCSVError
from ml.nlp.labels import ReportLabels, from_chexpert_value, to_chexpert_value

REPORTS_COLUMN = "Reports"


def _allow_long_fields() -> None:
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def _open_text(path: Path) -> TextIO:
    try:
        return open(path, encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise ReportCSVError(f"cannot open {path}: {exc.strerror or exc}") from exc


def read_reports(path: Path, text_column: str | None = None) -> Iterator[str]:
    """Report texts in file order. Blank lines are skipped (as pandas, and so the CheXpert labeler,
    does); a row too short to have the column, or an empty quoted field, is an empty report."""
    _allow_long_fields()
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        index = 0
        if text_column is not None:
            header = next(reader, None)
            if header is None:
                raise ReportCSVError(f"{path} is empty; expected a header row with column {text_column!r}")
            names = [h.strip() for h in header]
            if text_column not in names:
                found = ", ".join(repr(n) for n in names) or "none"
                raise ReportCSVError(f"{path} has no column {text_column!r}; columns found: {found}")
            index = names.index(text_column)
        try:
            for row in reader:
                if row:
                    yield row[index] if index < len(row) else ""
        except csv.Error as exc:
            raise ReportCSVError(f"{path}, line {reader.line_num}: not a valid CSV row ({exc})") from exc


def write_labels(
    handle: TextIO, findings: Sequence[str], rows: Iterable[tuple[str, ReportLabels]]
) -> Iterator[ReportLabels]:
    """Write the header then one row per (text, labels); yields each labels object once written."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([REPORTS_COLUMN, *findings])
    for text, labels in rows:
        values = labels.values()
        cells = [to_chexpert_value(values.get(f)) for f in findings]
        writer.writerow([text, *("" if c is None else f"{c:.1f}" for c in cells)])
        yield labels


@dataclass(frozen=True)
class LabelsTable:
    findings: list[str]
    rows: list[dict[str, str | None]]
    texts: list[str] | None  # the Reports column, when the file has one


def read_labels(path: Path, findings: Sequence[str] | None = None) -> LabelsTable:
    """A labels CSV (CheXpert output shape) -> its finding columns, label values and report texts.

    `findings` defaults to every column but `Reports`; each must be present. A cell that is not
    1 / 0 / -1 / blank raises ReportCSVError naming its line and column.
    """
    _allow_long_fields()
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        if not columns:
            raise ReportCSVError(f"{path} is empty; expected a header row such as Reports,<finding>,...")
        reader.fieldnames = columns
        wanted = list(findings) if findings is not None else [c for c in columns if c != REPORTS_COLUMN]
        missing = [f for f in wanted if f not in columns]
        if missing:
            raise ReportCSVError(
                f"{path} lacks columns {', '.join(map(repr, missing))}; columns found: "
                f"{', '.join(map(repr, columns))}"
            )
        rows = []
        texts: list[str] | None = [] if REPORTS_COLUMN in columns else None
        try:
            for row in reader:
                if texts is not None:
                    texts.append(row.get(REPORTS_COLUMN) or "")
                parsed: dict[str, str | None] = {}
                for finding in wanted:
                    try:
                        parsed[finding] = from_chexpert_value(row.get(finding))
                    except ValueError as exc:
                        raise ReportCSVError(
                            f"{path}, line {reader.line_num}, column {finding!r}: {exc}"
                        ) from None
                rows.append(parsed)
        except csv.Error as exc:
            raise ReportCSVError(f"{path}, line {reader.line_num}: not a valid CSV row ({exc})") from exc
    return LabelsTable(wanted, rows, texts)
