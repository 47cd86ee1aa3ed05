"""Reading CSV files whose columns must match a published layout, with a clear error when they don't."""

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from annotations.errors import InvalidInputError

Rows = Iterator[tuple[int, dict[str, str]]]


class CsvLayoutError(InvalidInputError):
    code = "csv_columns"


def open_csv(path: Path, *, layout: str) -> tuple[list[str], Rows]:
    """The header and an iterator of (line number, row) of a UTF-8 CSV (BOM and bad bytes tolerated)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvLayoutError(f"{layout}: cannot read {path.name}: {exc.strerror}") from exc
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns

    def rows() -> Rows:
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}

    return columns, rows()


def require_columns(path: Path, columns: Sequence[str], required: Sequence[str], *, layout: str) -> None:
    missing = [c for c in required if c not in columns]
    if missing:
        raise CsvLayoutError(
            f"{layout}: {path.name} lacks column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, columns)) or 'no header'}",
            detail={"missing": missing, "found": list(columns)},
        )


def read_rows(path: Path, *, required: Sequence[str], layout: str) -> Rows:
    """Rows of a CSV that must have the `required` columns.

    The header is checked before any row is read, so a wrong file is refused whole and nothing is
    stored from it.
    """
    columns, rows = open_csv(path, layout=layout)
    require_columns(path, columns, required, layout=layout)
    return rows
