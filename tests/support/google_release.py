"""Copies of Google's NIH ChestX-ray14 expert-label release, written in its exact published layout.

The layout is Google's, not ours: one top folder `gcs-public-data--healthcare-nih-chest-xray-labels/`
with a README and the subfolders `four_findings_expert_labels/` and `all_findings_expert_labels/`,
each with its README and CSVs under their long names (or, in the `short` variant, the names Google's
README uses). The four-findings labels files carry the NIH metadata columns first, with the real
header of `Data_Entry_2017.csv` whose two bracketed names hold unquoted commas; no file ends with a
newline; one reader appears twice for one image with different answers; images have 2, 3, 4 or 5
readers. The images are real NIH Image Indexes (and their metadata rows, verbatim) from the
development copy of `Data_Entry_2017.csv`; tests skip where it is absent.

The content (which reader said what) is generated, and `Release` holds it so a test can check what
the importer stored, and replay the reads through the reading protocol.
"""

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from layouts import chestxray14 as nih_layout
from layouts import google_expert as published
from layouts.label_schemas import GOOGLE4_FINDINGS, GOOGLE_ALL_FINDINGS

TOP = published.TOP_FOLDER
FOUR_DIR = published.FOUR_FINDINGS_DIR
ALL_DIR = published.ALL_FINDINGS_DIR
FOUR_FILES = published.FOUR_FINDINGS_FILES
ALL_FILES = published.ALL_FINDINGS_FILES
FOUR_FINDINGS = GOOGLE4_FINDINGS
FOUR_READER_COLUMNS = published.FOUR_READER_COLUMNS
FOUR_READERS_HEADER = ",".join(published.FOUR_READERS_HEADER)
# after the NIH header, which is copied verbatim from the development Data_Entry_2017.csv
FOUR_LABELS_TAIL = ",".join(published.FOUR_LABELS_HEADER[len(nih_layout.DATA_ENTRY_HEADER) :])
HEDGE_ALLOWED = published.HEDGE_ALLOWED
ALL_FINDINGS = GOOGLE_ALL_FINDINGS
SPECIFIC = ALL_FINDINGS[1:-1]  # the 14 findings
DESIGNATED = published.ALL_FINDINGS_DESIGNATED_READERS
OTHER_ALL_READERS = ("4343881234", "4343884567")
FOUR_READER_POOL = tuple(f"{4343880000 + 137 * k}" for k in range(11))

# Per number of readers, the answer patterns a finding cycles through (H = HEDGE): unanimous, split,
# HEDGE majorities, no majority at all.
PATTERNS = {
    2: ("YY", "NN", "YN", "HY", "NN"),
    3: ("YYY", "NNN", "YYN", "NNY", "HHY", "HHH", "YNH", "YYH", "NNN", "NNH"),
    4: ("YYNN", "YYYN", "NNNN", "HHYY", "YYYH"),
    5: ("YYYNN", "NNNNY", "HHHYY", "YYHHN", "NNNNN"),
}
CELL = {"Y": published.YES, "N": published.NO, "H": published.HEDGE}


def shared_data() -> Path:
    default = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return Path(os.environ.get("ARBITER_SHARED_DATA", default))


@dataclass(frozen=True)
class NihRow:
    image: str
    patient: str
    view: str
    line: str  # the row's text as NIH published it, without its line ending


@dataclass(frozen=True)
class NihMetadata:
    header: str  # the real header line, bracketed names and all
    rows: tuple[NihRow, ...]


def nih_metadata() -> NihMetadata:
    """The development copy of NIH's Data_Entry_2017.csv, or a pytest skip where it is absent."""
    path = shared_data() / "nih-cxr-dev" / nih_layout.DATA_ENTRY
    if not path.exists():
        pytest.skip(f"the NIH development metadata is absent ({path}); set ARBITER_SHARED_DATA")
    lines = path.read_bytes().decode("utf-8").splitlines()
    rows = []
    for line in lines[1:]:
        if line.strip():
            cells = line.split(",")
            rows.append(NihRow(image=cells[0], patient=cells[3], view=cells[6], line=line))
    return NihMetadata(header=lines[0], rows=tuple(rows))


@dataclass
class Read:
    reader: str
    cells: dict[str, str]  # finding (schema key) -> the published cell ("YES", "NO", "HEDGE", "0", "1")


@dataclass
class ImageTruth:
    image: str
    patient: str
    split: str
    reads: list[Read]
    label: dict[str, str] = field(default_factory=dict)  # finding -> "YES" / "NO"; absent = not adjudicated
    nih_line: str = ""

    def reader_values(self, finding: str) -> list[str]:
        return [r.cells[finding] for r in self.reads]


@dataclass
class Duplicate:
    image: str
    reader: str
    first: dict[str, str]
    second: dict[str, str]


@dataclass
class Release:
    root: Path  # what a user points the importer at
    four: list[ImageTruth]
    all: list[ImageTruth]
    duplicate: Duplicate
    files: list[Path]


def definite_majority(cells: list[str]) -> str | None:
    """YES or NO when more than half of all the readers gave it (HEDGE counts as a reader but never wins)."""
    for value in ("YES", "NO"):
        if sum(1 for c in cells if c == value) * 2 > len(cells):
            return value
    return None


def _four_images(nih: NihMetadata, n: int) -> list[ImageTruth]:
    images = []
    for i, row in enumerate(nih.rows[:n]):
        readers = 2 if i % 7 == 5 else 4 if i % 7 == 6 else 5 if i % 11 == 10 else 3
        split = "validation" if i % 4 == 3 else "test"
        ids = [FOUR_READER_POOL[(i * 3 + k) % len(FOUR_READER_POOL)] for k in range(readers)]
        cells: dict[str, str] = {}
        per_reader: list[dict[str, str]] = [{} for _ in range(readers)]
        label: dict[str, str] = {}
        for fi, finding in enumerate(FOUR_FINDINGS):
            pattern = PATTERNS[readers][(i + fi * 3) % len(PATTERNS[readers])]
            if finding not in HEDGE_ALLOWED:
                pattern = pattern.replace("H", "N")
            answers = [CELL[ch] for ch in pattern]
            for k, a in enumerate(answers):
                per_reader[k][finding] = a
            # Where the reads decide nothing, Google's adjudicators did: any definite value.
            label[finding] = definite_majority(answers) or ("YES" if (i + fi) % 2 else "NO")
            cells[finding] = label[finding]
        if i == 3:
            del label["Fracture"]  # Google: an empty cell = not adjudicated for that finding
        reads = [Read(rid, per_reader[k]) for k, rid in enumerate(ids)]
        images.append(ImageTruth(row.image, row.patient, split, reads, label, row.line))
    return images


def _all_images(nih: NihMetadata, four: list[ImageTruth], n: int, seed: int) -> list[ImageTruth]:
    """As Google's: PA films of the four-findings test split."""
    images = []
    views = {r.image: r.view for r in nih.rows}
    pa = [r for r in nih.rows if any(t.image == r.image and t.split == "test" for t in four)]
    pa = [r for r in pa if views[r.image] == "PA"]
    for i, row in enumerate(pa[:n]):
        rng = random.Random(seed * 1000 + i)
        reads = []
        for rid in (*DESIGNATED, *OTHER_ALL_READERS):
            abnormal = rng.random() < 0.6
            chosen = set(rng.sample([*SPECIFIC, "Other"], rng.choice((1, 1, 2)))) if abnormal else set()
            cells = {"Abnormal": "1" if abnormal else "0"}
            cells.update({f: "YES" if f in chosen else "NO" for f in (*SPECIFIC, "Other")})
            reads.append(Read(rid, cells))
        designated = [r for r in reads if r.reader in DESIGNATED]

        def vote(f: str, designated: list[Read] = designated) -> bool:
            return sum(1 for r in designated if r.cells[f] in ("YES", "1")) >= 2

        label = {f: "YES" if vote(f) else "NO" for f in ALL_FINDINGS}
        # Google's README: Other is YES when a majority chose it, or when a majority said abnormal
        # but no single finding had a majority.
        if vote("Abnormal") and not any(vote(f) for f in SPECIFIC):
            label["Other"] = "YES"
        images.append(ImageTruth(row.image, row.patient, "test", reads, label, row.line))
    return images


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode())  # as published: no newline after the last row
    return path


README_TOP = (
    "NIH ChestX-ray14 expert labels (Google).\n"
    "Two sets of labels, in four_findings_expert_labels and all_findings_expert_labels."
)


def write_release(
    out: Path,
    *,
    names: str = "long",
    point_at: str = "top",
    n_four: int = 36,
    n_all: int = 12,
    seed: int = 13,
) -> Release:
    """Write the release under `out` and return what it holds.

    names: "long" (as in the bucket) or "short" (as Google's README names them);
    point_at: what Release.root is: "top" (the top folder), "four" or "all" (a subfolder).
    """
    nih = nih_metadata()
    four = _four_images(nih, n_four)
    alls = _all_images(nih, four, n_all, seed)
    top = out / TOP
    files: list[Path] = []
    _write(top / "README.md", [README_TOP])
    four_dir = top / FOUR_DIR
    _write(four_dir / "README.md", ["Four findings expert labels: individual readers, test and validation."])
    for split in ("test", "validation"):
        lines = [f"{nih.header},{FOUR_LABELS_TAIL}"]
        for t in four:
            if t.split == split:
                cells = [t.label.get(f, "") for f in FOUR_FINDINGS]
                lines.append(f"{t.nih_line},{','.join(cells)},{split}")
        files.append(_write(four_dir / FOUR_FILES[names][split], lines))
    lines = [FOUR_READERS_HEADER]
    for t in four:
        for r in t.reads:
            cells = [r.cells[f] for f in FOUR_FINDINGS]
            lines.append(f"{t.patient},{t.image},{r.reader},{','.join(cells)},{t.split}")
    # One reader twice for one image, the second time with another Pneumothorax answer.
    dup_image = four[0]
    first = dup_image.reads[0]
    second = dict(first.cells)
    second["Pneumothorax"] = "NO" if first.cells["Pneumothorax"] != "NO" else "YES"
    lines.append(
        f"{dup_image.patient},{dup_image.image},{first.reader},"
        f"{','.join(second[f] for f in FOUR_FINDINGS)},{dup_image.split}"
    )
    files.append(_write(four_dir / FOUR_FILES[names]["readers"], lines))
    all_dir = top / ALL_DIR
    _write(all_dir / "README.md", ["All findings expert labels: 5 readers per image; labels by 3 of them."])
    lines = [",".join(published.ALL_READERS_HEADER)]
    for t in alls:
        for r in t.reads:
            lines.append(",".join((t.image, t.patient, r.reader, *(r.cells[f] for f in ALL_FINDINGS))))
    files.append(_write(all_dir / ALL_FILES[names]["readers"], lines))
    lines = [",".join(published.ALL_LABELS_HEADER)]
    for t in alls:
        lines.append(",".join((t.image, t.patient, *(t.label[f] for f in ALL_FINDINGS))))
    files.append(_write(all_dir / ALL_FILES[names]["test"], lines))
    root = {"top": top, "four": four_dir, "all": all_dir}[point_at]
    return Release(
        root=root,
        four=four,
        all=alls,
        duplicate=Duplicate(dup_image.image, first.reader, first.cells, second),
        files=files,
    )
