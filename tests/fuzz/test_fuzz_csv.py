"""Hypothesis over the CSV importers (reports, ChestX-ray14, CheXpert): random columns, cells, quoting,
delimiters, encodings and corrupt bytes. A file either imports (bad rows as per-row errors in the
IngestSummary, nothing stored for them) or is refused whole with a clean DomainError and nothing
stored. No other exception escapes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from annotations.errors import DomainError
from annotations.ingest.chestxray14 import CSV_NAME, import_chestxray14
from annotations.ingest.chestxray14 import REQUIRED as CXR14_REQUIRED
from annotations.ingest.chexpert import REQUIRED as CHEXPERT_REQUIRED
from annotations.ingest.chexpert import import_chexpert
from annotations.ingest.dicom import import_blob
from annotations.ingest.reports import import_reports_csv
from annotations.ingest.results import IngestSummary
from annotations.ingest.sources import Blob
from annotations.models import Image, Label, Report
from tests.fuzz.conftest import fuzz
from tests.imaging import factory

NASTY = [
    "",
    " ",
    '"',
    '""',
    ",",
    ";",
    "\n",
    "\r\n",
    "\x00",
    "\ufeff",
    '=HYPERLINK("http://x")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "-1.0",
    "1.0",
    "0.0",
    "1",
    "0",
    "NaN",
    "1e309",
    "058Y",
    "999",
    "-5",
    "M",
    "F",
    "PA",
    "AP",
    "Frontal",
    "Lateral",
    "No Finding",
    "Effusion|Mass",
    "Effusion||",
    "Bogus|Effusion",
    "../../etc/passwd",
    "/etc/passwd",
    "C:\\x.png",
    "00000001_000.png",
    "00000002_000.png",
    "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.png",
    "train/patient00001/study1/view1_frontal.png",
    "train/patient00002/study1/view1_frontal.png",
    "ACC1",
    "1.2.3",
    "<script>alert(1)</script>",
    "Ω≈ç√∫" * 3,
    "x" * 400,
]


def cells(pool: list[str]):
    return st.one_of(st.sampled_from(pool), st.text(max_size=20))


@st.composite
def csv_bytes(draw, required: tuple[str, ...], extra_pool: list[str]) -> bytes:
    columns = list(required)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 5)) == 0:  # sometimes drop or rename a required column
        i = draw(st.integers(0, len(columns) - 1))
        columns[i] = draw(st.sampled_from(["", columns[i].upper(), columns[i] + " ", "x"]))
    columns += draw(st.lists(cells(NASTY), max_size=2))
    rows = draw(
        st.lists(st.lists(cells(extra_pool + NASTY), min_size=0, max_size=len(columns) + 2), max_size=6)
    )
    buf = io.StringIO()
    dialect = draw(st.sampled_from(["minimal"] * 4 + ["all"] * 2 + ["none", "semicolon"]))
    if dialect == "none":
        writer = csv.writer(buf, quoting=csv.QUOTE_NONE, escapechar="\\")
    elif dialect == "semicolon":
        writer = csv.writer(buf, delimiter=";")
    else:
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL if dialect == "all" else csv.QUOTE_MINIMAL)
    try:
        writer.writerow(columns)
        writer.writerows(rows)
    except csv.Error:  # QUOTE_NONE cannot write some rows: write those quoted instead
        buf = io.StringIO()
        csv.writer(buf).writerows([columns, *rows])
    text = buf.getvalue()
    encoding = draw(st.sampled_from(["utf-8"] * 4 + ["utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    data = bytearray(text.encode(encoding, errors="replace"))
    if data and draw(st.integers(0, 7)) == 0:
        for _ in range(draw(st.integers(1, 5))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if data and draw(st.integers(0, 9)) == 0:
        del data[draw(st.integers(0, len(data) - 1)) :]
    return bytes(data)


def run_clean(importer, *args) -> IngestSummary | None:
    """The importer's summary, or None when it refused the whole file with a DomainError."""
    try:
        summary = importer(*args)
    except DomainError as exc:
        assert exc.code and str(exc)
        event(f"refused: {exc.code}")
        return None
    event(f"imported, {'some' if summary.failed else 'no'} row errors")
    for error in summary.errors:
        assert error.file and error.code and error.message
    return summary


@pytest.fixture
def cxr14_root(tmp_path) -> Path:
    root = tmp_path / "cxr14"
    for i, name in enumerate(["00000001_000.png", "00000002_000.png"]):
        (root / "images").mkdir(parents=True, exist_ok=True)
        (root / "images" / name).write_bytes(
            factory.png_bytes(factory.gradient(8, 8, hi=255, seed=i).astype("uint8"))
        )
    (root / "images" / "00000003_000.png").write_bytes(b"not a png")
    return root


@fuzz(60)
@given(content=csv_bytes(CXR14_REQUIRED, ["00000001_000.png", "00000003_000.png", "Effusion", "Mass"]))
def test_chestxray14_csv(fuzz_dataset, cxr14_root, content):
    (cxr14_root / CSV_NAME).write_bytes(content)
    before = (Image.objects.count(), Label.objects.count())
    summary = run_clean(import_chestxray14, fuzz_dataset, cxr14_root)
    if summary is None:
        assert (Image.objects.count(), Label.objects.count()) == before
    else:
        assert Image.objects.count() - before[0] == summary.created
        assert Label.objects.count() - before[1] == summary.labels_created


@pytest.fixture
def chexpert_root(tmp_path) -> Path:
    root = tmp_path / "CheXpert-v1.0-small"
    for p in ("patient00001", "patient00002"):
        d = root / "train" / p / "study1"
        d.mkdir(parents=True)
        (d / "view1_frontal.png").write_bytes(
            factory.png_bytes(factory.gradient(8, 8, hi=255, seed=len(p) + int(p[-1])).astype("uint8"))
        )
    return root


@fuzz(50)
@given(content=csv_bytes(CHEXPERT_REQUIRED, ["1.0", "0.0", "-1.0", "", "Male", "Female", "60"]))
def test_chexpert_csv(fuzz_dataset, chexpert_root, content):
    (chexpert_root / "train.csv").write_bytes(content)
    before = (Image.objects.count(), Label.objects.count())
    summary = run_clean(import_chexpert, fuzz_dataset, chexpert_root)
    if summary is None:
        assert (Image.objects.count(), Label.objects.count()) == before
    else:
        assert Image.objects.count() - before[0] == summary.created
        assert Label.objects.count() - before[1] == summary.labels_created


@pytest.fixture
def one_study(fuzz_dataset):
    ds = factory.dicom_dataset(factory.gradient(8, 8, seed=11))
    ds.AccessionNumber = "ACC1"
    ds.StudyInstanceUID = "1.2.3"
    summary = IngestSummary()
    import_blob(fuzz_dataset, Blob("a.dcm", factory.to_bytes(ds)), summary)
    assert summary.created == 1
    return fuzz_dataset


@fuzz(60)
@given(
    content=csv_bytes(("accession_number", "report_text"), ["ACC1", "1.2.3", "FINDINGS: effusion."]),
    id_column=st.sampled_from(["accession_number", "study_instance_uid", "image_index"]),
)
def test_reports_csv(one_study, tmp_path, content, id_column):
    path = tmp_path / "reports.csv"
    path.write_bytes(content.replace(b"accession_number", id_column.encode(), 1))
    before = Report.objects.count()
    summary = run_clean(import_reports_csv, one_study, path)
    after = Report.objects.count()
    if summary is None:
        assert after == before
    else:
        assert after - before == summary.reports_created
        for report in Report.objects.all():
            assert "\x00" not in report.text
