"""`manage.py label_reports` and `manage.py evaluate_labels`, through call_command (no database)."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def _run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    path = tmp_path / "reports.csv"
    path.write_bytes(
        b'"FINDINGS: Small left effusion. No pneumothorax."\n'
        b'"Possible pneumonia, cannot exclude effusion."\n'
        b'""\n'
        b'"Status post sternotomy. Heart size is normal."\n'
    )
    return path


def test_label_reports_writes_the_chexpert_convention(tmp_path: Path, reports: Path) -> None:
    output = tmp_path / "labels.csv"
    summary = _run("label_reports", "--input", str(reports), "--output", str(output), "--flag", "Implant")
    assert "labelled 4 reports with arbiter-nlp-" in summary
    header = output.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:3] == ["Reports", "No Finding", "Enlarged Cardiomediastinum"] and header[-1] == "Implant"
    assert len(header) == 16
    first, second, empty, last = _rows(output)
    assert first["Reports"] == "FINDINGS: Small left effusion. No pneumothorax."
    assert (first["Pleural Effusion"], first["Pneumothorax"], first["No Finding"]) == ("1.0", "0.0", "")
    assert (second["Pneumonia"], second["Pleural Effusion"]) == ("-1.0", "-1.0")
    assert set(empty.values()) == {""}
    assert (last["Cardiomegaly"], last["No Finding"], last["Implant"]) == ("0.0", "1.0", "1.0")


def test_label_reports_in_two_processes_gives_the_same_file(tmp_path: Path, reports: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    _run("label_reports", "--input", str(reports), "--output", str(one))
    _run(
        "label_reports",
        "--input",
        str(reports),
        "--output",
        str(two),
        "--processes",
        "2",
        "--batch-size",
        "1",
    )
    assert one.read_bytes() == two.read_bytes()


def test_label_reports_text_column_and_schema(tmp_path: Path) -> None:
    source = tmp_path / "named.csv"
    source.write_text("id,text\n7,Possible rib fracture.\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    args = ["--input", str(source), "--output", str(output), "--schema", "google4", "--text-column", "text"]
    _run("label_reports", *args)
    assert output.read_text(encoding="utf-8").splitlines() == [
        "Reports,Fracture,Pneumothorax,Airspace opacity,Nodule or mass",
        "Possible rib fracture.,-1.0,,,",
    ]


def test_label_reports_errors(tmp_path: Path, reports: Path) -> None:
    output = tmp_path / "never.csv"
    with pytest.raises(CommandError, match=r"no column 'report'; columns found: "):
        _run("label_reports", "--input", str(reports), "--output", str(output), "--text-column", "report")
    assert not output.exists()
    with pytest.raises(CommandError, match="does not exist"):
        _run("label_reports", "--input", str(tmp_path / "absent.csv"), "--output", str(output))


def test_evaluate_labels_scores_and_checks_alignment(tmp_path: Path, reports: Path) -> None:
    predicted = tmp_path / "pred.csv"
    _run("label_reports", "--input", str(reports), "--output", str(predicted))
    report = _run("evaluate_labels", "--gold", str(predicted), "--predicted", str(predicted))
    assert "Pleural Effusion" in report and report.rstrip().endswith("Overall macro F1: 1.000 (4 reports)")

    rows = _rows(predicted)
    rows[0]["Pleural Effusion"] = "0.0"  # the gold says the first report's effusion is absent
    gold = tmp_path / "gold.csv"
    with gold.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    args = ["--gold", str(gold), "--predicted", str(predicted), "--finding", "Pleural Effusion"]
    scored = _run("evaluate_labels", *args)
    effusion = next(line for line in scored.splitlines() if line.startswith("Pleural Effusion"))
    positive, negative = effusion.split("|")[1:3]
    assert positive.split() == ["0.00", "0.00", "0.00", "0"]  # one predicted, none in the gold
    assert negative.split() == ["0.00", "0.00", "0.00", "1"]  # one in the gold, none predicted

    with pytest.raises(CommandError, match=r"has 4 reports but .* has 3"):
        short = tmp_path / "short.csv"
        short.write_text("\n".join(predicted.read_text(encoding="utf-8").splitlines()[:4]) + "\n")
        _run("evaluate_labels", "--gold", str(predicted), "--predicted", str(short))
