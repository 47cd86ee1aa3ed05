"""Real films for building and measuring the detectors: a folder in the ChestX-ray14 layout.

`Data_Entry_2017.csv` (the published header, read by column position because its bracketed names
split on their commas) beside `images/*.png`. Films are split by patient, never by film, with a fixed
hash so anyone gets the same split: `held_out(patient_id)` keeps about a third of the patients aside
for evaluation; the shipped detector never trains on them.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from layouts import chestxray14 as nih
from ml.inference.preprocess import prepare
from ml.nets.errors import InputError

HELD_OUT_PERCENT = 35
SPLIT_SALT = "arbiter-qc-split"
#: A second, independent patient split (another salt), held aside to check that a change to the
#: detector generalises beyond the films of the first one's held-out side.
SECOND_SPLIT_SALT = "arbiter-qc-split-b"
LATERAL_VIEWS = frozenset({"LL", "RL", "LAT", "LATERAL"})


def held_out(patient_id: str, salt: str = SPLIT_SALT) -> bool:
    """True for the patients kept aside for evaluation (about 35 %, fixed by a hash of the id)."""
    digest = hashlib.sha256(f"{salt}:{patient_id.strip()}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


@dataclass(frozen=True)
class FilmSet:
    names: list[str]
    patients: list[str]
    views: list[str]
    films: np.ndarray  # uint8 [N, S, S]

    def subset(self, mask: np.ndarray) -> FilmSet:
        idx = np.flatnonzero(mask)
        return FilmSet(
            [self.names[i] for i in idx],
            [self.patients[i] for i in idx],
            [self.views[i] for i in idx],
            self.films[idx],
        )

    @property
    def lateral(self) -> np.ndarray:
        return np.array([v.strip().upper() in LATERAL_VIEWS for v in self.views], bool)

    def split(self, salt: str = SPLIT_SALT) -> tuple[FilmSet, FilmSet]:
        """(training films, held-out films), by patient (`salt` picks the split)."""
        mask = np.array([held_out(p, salt) for p in self.patients], bool)
        return self.subset(~mask), self.subset(mask)


def read_film(path: Path, size: int) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode not in ("L", "I;16", "I"):
            im = im.convert("L")
        arr = np.asarray(im)
    if arr.dtype == np.uint8:
        img = arr.astype(np.float32) / 255.0
    else:
        arr = arr.astype(np.float32)
        img = (arr - arr.min()) / max(1.0, float(arr.max() - arr.min()))
    return prepare(img, size)


def load_films(folder: str | Path, size: int) -> FilmSet:
    """Every film listed in the folder's Data_Entry_2017.csv that exists under images/."""
    folder = Path(folder)
    entry = folder / nih.DATA_ENTRY
    if not entry.is_file():
        raise InputError(f"{entry} not found: expected a ChestX-ray14 folder (Data_Entry_2017.csv, images/)")
    names, patients, views, films = [], [], [], []
    with open(entry, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if not header or header[0].strip() != nih.IMAGE_INDEX:
            raise InputError(f"{entry.name} does not start with the ChestX-ray14 header")
        for row in rows:
            if len(row) < len(nih.METADATA_COLUMNS):
                continue
            name = row[nih.POSITION[nih.IMAGE_INDEX]].strip()
            path = folder / nih.IMAGES_DIR / name
            if not path.is_file():
                continue
            names.append(name)
            patients.append(row[nih.POSITION[nih.PATIENT_ID]].strip())
            views.append(row[nih.POSITION[nih.VIEW_POSITION]].strip())
            films.append(read_film(path, size))
    if not films:
        raise InputError(f"no films of {entry.name} were found under {folder / nih.IMAGES_DIR}")
    return FilmSet(names, patients, views, np.stack(films))
