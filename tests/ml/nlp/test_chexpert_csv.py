"""CSV in the CheXpert labeler's conventions: reading reports, writing and reading labels."""

import io
from pathlib import Path

import pytest

from ml.nlp.chexpert_csv import read_labels, read_reports, write_labels
from ml.nlp.errors import ReportCSVError
from ml.nlp.labels import NEGATIVE, POSITIVE, UNCERTAIN
from tests.ml.nlp.conftest import get_labeler


def _write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_headerless_first_column_like_the_chexpert_labeler(tmp_path: Path) -> None:
    path = _write(tmp_path, b'"No effusion, no pneumothorax.",extra\nCardiomegaly.\n\n""\n"Two\nlines."\n')
    assert list(read_reports(path)) == ["No effusion, no pneumothorax.", "Cardiomegaly.", "", "Two\nlines."]


def test_named_text_column(tmp_path: Path) -> None:
    path = _write(tmp_path, b"id,report\n1,No effusion.\n2\n3,Small effusion.\n")
    assert list(read_reports(path, "report")) == ["No effusion.", "", "Small effusion."]


def test_missing_text_column_names_what_was_found(tmp_path: Path) -> None:
    path = _write(tmp_path, b"id,findings_text\n1,No effusion.\n")
    with pytest.raises(ReportCSVError, match=r"no column 'report'; columns found: 'id', 'findings_text'"):
        list(read_reports(path, "report"))
    with pytest.raises(ReportCSVError, match="is empty"):
        list(read_reports(_write(tmp_path, b"", "empty.csv"), "report"))
    with pytest.raises(ReportCSVError, match="cannot open"):
        list(read_reports(tmp_path / "absent.csv"))


def test_bom_bad_bytes_and_nul_and_huge_fields(tmp_path: Path) -> None:
    huge = b"No effusion. " * 40_000  # 520 kB in one field, over csv's default limit
    data = b"\xef\xbb\xbfreport\nCaf\xe9 \xff report\nA\x00B\n" + huge + b"\n"
    texts = list(read_reports(_write(tmp_path, data), "report"))
    assert texts[0] == "Caf\ufffd \ufffd report"
    assert texts[1] == "A\x00B"
    assert len(texts[2]) == len(huge)


def test_written_labels_follow_the_convention(tmp_path: Path) -> None:
    labeler = get_labeler("google4")
    texts = ["Possible rib fracture, no pneumothorax.", "", 'Opacity, "quoted".']
    out = io.StringIO()
    written = list(write_labels(out, labeler.findings, ((t, labeler.label(t)) for t in texts)))
    assert len(written) == 3
    assert out.getvalue().splitlines() == [
        "Reports,Fracture,Pneumothorax,Airspace opacity,Nodule or mass",
        '"Possible rib fracture, no pneumothorax.",-1.0,0.0,,',
        ",,,,",
        '"Opacity, ""quoted"".",,,1.0,',
    ]
    path = _write(tmp_path, out.getvalue().encode(), "labels.csv")
    table = read_labels(path)
    assert table.findings == list(labeler.findings)
    assert table.texts == texts
    assert table.rows[0] == {
        "Fracture": UNCERTAIN,
        "Pneumothorax": NEGATIVE,
        "Airspace opacity": None,
        "Nodule or mass": None,
    }
    assert table.rows[2]["Airspace opacity"] == POSITIVE


def test_read_labels_errors_name_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, b"Reports,Fracture\na,1.0\nb,yes\n")
    with pytest.raises(ReportCSVError, match=r"line 3, column 'Fracture'.*'yes' is not a CheXpert label"):
        read_labels(path)
    with pytest.raises(ReportCSVError, match=r"lacks columns 'Edema'; columns found: 'Reports', 'Fracture'"):
        read_labels(path, ["Fracture", "Edema"])
    labels = read_labels(_write(tmp_path, b"Fracture\n1\n\n-1\n", "nohdr.csv"))
    assert labels.texts is None and [r["Fracture"] for r in labels.rows] == [POSITIVE, UNCERTAIN]
