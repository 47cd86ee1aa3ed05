"""Finding Google's label files in what a user points the importer at, and telling which file is which.

Google publishes one top folder, `gcs-public-data--healthcare-nih-chest-xray-labels/`, holding a README
and two subfolders: `four_findings_expert_labels/` (`four_findings_expert_labels_individual_readers.csv`,
`..._test_labels.csv`, `..._validation_labels.csv`) and `all_findings_expert_labels/`
(`all_findings_expert_labels_test_individual_readers.csv`, `..._test_labels.csv`). Google's own README
calls them `individual_readers.csv`, `test_labels.csv`, `validation_labels.csv` and
`test_individual_readers.csv`, and many users save them so. Accepted: the top folder, either
subfolder, a folder holding any of these files under either name, or one such file.

A file's name only says it is a label file and, where it does, its split; its header says which set
it belongs to (both sets have a `test_labels.csv`) and whether it holds individual readers.
"""

from dataclasses import dataclass
from pathlib import Path

from annotations.ingest.csvfiles import CsvLayoutError, open_csv
from annotations.ingest.google_sets import (
    IMAGE_COLUMNS,
    LABEL_SETS,
    READER_COLUMN,
    SET_COLUMNS,
    LabelSet,
)
from layouts import google_expert as published

TOP_FOLDER = published.TOP_FOLDER
PUBLISHED_NAMES = published.PUBLISHED_NAMES  # the bucket's long names and the README's short ones
LABEL_FILE_SUFFIXES = published.LABEL_FILE_SUFFIXES
SEARCH_DEPTH = 2  # the top folder's subfolders, or a folder that holds the top folder


@dataclass(frozen=True)
class Columns:
    image: str
    findings: dict[str, str]  # schema finding key -> column
    reader: str | None
    set_id: str | None


@dataclass(frozen=True)
class LabelFile:
    path: Path
    label_set: LabelSet
    readers: bool  # one row per reader and image, rather than one published label per image
    split: str  # "test", "validation", or "" when neither the name nor a Set ID column says
    columns: Columns
    rows: list  # [(line number, {column: cell})]


def is_label_file(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(LABEL_FILE_SUFFIXES)


def candidate_files(root: Path) -> list[Path]:
    """The label-file candidates at `root`: itself if a file, else under it up to SEARCH_DEPTH."""
    if not root.exists():
        return []
    if root.is_file():
        return [root]
    found: list[Path] = []
    level = [root]
    for _ in range(SEARCH_DEPTH + 1):
        nxt = []
        for folder in level:
            for entry in sorted(folder.iterdir()):
                if entry.is_dir() and not entry.name.startswith("."):
                    nxt.append(entry)
                elif is_label_file(entry):
                    found.append(entry)
        level = nxt
    return found


def _split_from_name(name: str) -> str:
    lowered = name.lower()
    if "validation" in lowered:
        return "validation"
    if "test" in lowered:
        return "test"
    return ""


def _columns(path: Path, header: list[str]) -> tuple[LabelSet, Columns]:
    label_set = next((s for s in LABEL_SETS if s.marker in header), None)
    image = next((c for c in IMAGE_COLUMNS if c in header), None)
    if label_set is None or image is None:
        raise CsvLayoutError(
            f"Google expert labels: {path.name} is neither a four-findings file (an 'Airspace opacity' "
            f"column) nor an all-findings file (an 'Atelectasis' column) with {' or '.join(IMAGE_COLUMNS)}; "
            f"found {', '.join(map(repr, header)) or 'no header'}",
            detail={"found": header},
        )
    findings = {}
    missing = []
    for finding in label_set.findings:
        col = next((c for c in label_set.columns_for(finding) if c in header), None)
        if col is None:
            missing.append(finding)
        else:
            findings[finding] = col
    if missing:
        raise CsvLayoutError(
            f"{label_set.title}: {path.name} lacks column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, header))}",
            detail={"missing": missing, "found": header},
        )
    return label_set, Columns(
        image=image,
        findings=findings,
        reader=READER_COLUMN if READER_COLUMN in header else None,
        set_id=next((c for c in SET_COLUMNS if c in header), None),
    )


def read_label_file(path: Path) -> LabelFile:
    """A label file read whole and classified; CsvLayoutError (nothing stored) when its header is wrong."""
    header, rows = open_csv(path, layout="Google expert labels")
    label_set, columns = _columns(path, header)
    readers = columns.reader is not None
    if not readers and "individual_readers" in path.name.lower():
        raise CsvLayoutError(
            f"{label_set.title}: {path.name} is a readers' file but has no {READER_COLUMN!r} column",
            detail={"found": header},
        )
    return LabelFile(
        path=path,
        label_set=label_set,
        readers=readers,
        split=_split_from_name(path.name),
        columns=columns,
        rows=list(rows),
    )


def label_files(root: Path) -> list[LabelFile]:
    """Every Google label file at `root`, published labels before individual readers.

    A file under one of Google's names (or the one file given) must have its set's columns, else
    the import is refused whole; another *labels.csv beside them that is no Google file is skipped."""
    files = []
    for path in candidate_files(root):
        try:
            files.append(read_label_file(path))
        except CsvLayoutError:
            if path == root or path.name.lower() in PUBLISHED_NAMES:
                raise
    return sorted(files, key=lambda f: (f.readers, f.label_set.key, str(f.path)))
