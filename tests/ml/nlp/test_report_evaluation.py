"""Scoring a report CSV that carries its own gold: reading it, presence scores, the command's output."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ml.nlp.presence import PresenceScore, score_presence
from ml.nlp.report_gold import held_aside, read_gold_reports

ROOT = Path(__file__).resolve().parents[3]
OPENI_HEADER = (
    "uid,indication,comparison,findings,impression,Atelectasis,Cardiomegaly,Effusion,Infiltration,Mass,"
    "Nodule,Pneumonia,Pneumothorax,Consolidation,Edema,Emphysema,Fibrosis,Pleural_Thickening,Hernia,normal"
)


def _openi_row(uid: int, indication: str, findings: str, impression: str, coded: dict[str, int]) -> str:
    names = OPENI_HEADER.split(",")[5:]
    cells = [str(coded.get(n, 0)) for n in names]
    quote = lambda text: f'"{text}"' if "," in text else text  # noqa: E731 -- as the published file quotes
    return ",".join([str(uid), quote(indication), "None.", quote(findings), quote(impression), *cells])


@pytest.fixture
def openi_csv(tmp_path: Path) -> Path:
    """Four reports in the Open-i development file's layout (CRLF line ends, quoted fields)."""
    rows = [
        OPENI_HEADER,
        _openi_row(
            1,
            "Evaluate for pneumonia",
            "Heart size normal. No focal consolidation, large pleural effusion, or pneumothorax.",
            "No acute cardiopulmonary abnormality.",
            {"normal": 1},
        ),
        _openi_row(
            2, "Cough", "Borderline cardiomegaly. Clear lungs.", "Borderline heart size.", {"Cardiomegaly": 1}
        ),
        _openi_row(
            3,
            "Dyspnea",
            "Small left pleural effusion. Left basilar atelectasis.",
            "Effusion and atelectasis.",
            {"Effusion": 1},
        ),
        _openi_row(4, "Pain", "XXXX right upper lobe nodule.", "Nodule.", {"Nodule": 1, "Mass": 1}),
    ]
    path = tmp_path / "reports_with_gold.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    return path


def test_the_openi_layout_becomes_sectioned_reports_with_binary_gold(openi_csv: Path) -> None:
    data = read_gold_reports(openi_csv, ("Atelectasis", "Effusion", "Mass", "Nodule", "Hernia", "No Finding"))
    assert data.findings == ("Atelectasis", "Effusion", "Mass", "Nodule", "Hernia", "No Finding")
    first = data.reports[0]
    assert first.uid == "1"
    assert first.text.startswith(
        "INDICATION: Evaluate for pneumonia\nCOMPARISON: None.\nFINDINGS: Heart size"
    )
    assert first.gold["No Finding"] == "positive" and first.gold["Effusion"] == "negative"
    assert data.reports[3].present("Mass") and not data.reports[3].present("Hernia")


def test_a_report_column_with_chexpert_gold(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text('Reports,Edema,Cardiomegaly\n"Possible mild edema.",-1.0,\n"Cardiomegaly.",,1.0\n')
    data = read_gold_reports(path, ("Cardiomegaly", "Edema"))
    assert [r.gold for r in data.reports] == [
        {"Cardiomegaly": None, "Edema": "uncertain"},
        {"Cardiomegaly": "positive", "Edema": None},
    ]
    assert [r.uid for r in data.reports] == ["1", "2"]  # no id column: the row number


def test_bad_gold_files_are_clear_errors(tmp_path: Path) -> None:
    from ml.nlp.errors import ReportCSVError

    bad = tmp_path / "bad.csv"
    bad.write_text("Reports,Edema\nEdema.,yes\n")
    with pytest.raises(ReportCSVError, match=r"line 2, column 'Edema'"):
        read_gold_reports(bad, ("Edema",))
    none = tmp_path / "none.csv"
    none.write_text("id,notes\n1,x\n")
    with pytest.raises(ReportCSVError, match="no report column"):
        read_gold_reports(none, ("Edema",))


def test_the_split_is_a_fixed_hash_of_the_report_id() -> None:
    ids = [str(i) for i in range(1, 4001)]
    share = sum(map(held_aside, ids)) / len(ids)
    assert 0.27 < share < 0.33
    assert [held_aside(i) for i in ids[:50]] == [held_aside(i) for i in ids[:50]]


def test_presence_scores_macro_over_coded_findings_and_micro() -> None:
    gold = [{"A": "positive", "B": "negative", "H": None}, {"A": "positive", "B": "positive", "H": None}]
    predicted = [{"A": "positive", "B": "positive", "H": "positive"}, {"A": "uncertain", "B": "positive"}]
    result = score_presence("x", ["r1", "r2"], gold, predicted, ["A", "B", "H"])
    assert result.scores["A"] == PresenceScore(tp=1, fp=0, fn=1)  # uncertain is not present
    assert result.scores["B"] == PresenceScore(tp=1, fp=1, fn=0)
    assert result.coded == ("A", "B")  # H is never present in the gold: shown, not averaged
    assert result.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert result.micro == PresenceScore(tp=2, fp=1, fn=1)
    assert [(e.uid, e.finding, e.kind) for e in result.errors] == [
        ("r1", "B", "false positive"),
        ("r1", "H", "false positive"),
        ("r2", "A", "false negative"),
    ]


def test_evaluate_labels_on_a_report_csv_prints_scores_errors_and_the_baseline(openi_csv: Path) -> None:
    out = io.StringIO()
    call_command("evaluate_labels", "--reports", str(openi_csv), "--errors", "0", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    nodule = next(line for line in lines if line.startswith("Nodule "))
    assert nodule.split()[1:] == ["1.000", "1.000", "1.000", "1", "1"]
    mass = next(line for line in lines if line.startswith("Mass "))
    assert mass.split()[1:] == ["0.000", "0.000", "0.000", "1", "0"]
    assert any(line.startswith("micro ") for line in lines)
    assert "arbiter: macro F1" in text and "micro P" in text
    # Atelectasis in report 3 is a false positive (the gold codes only the effusion): span and rule.
    error = next(line for line in lines if line.startswith("3\tAtelectasis\tfalse positive"))
    assert "'atelectasis' [" in error and "-> positive (mention)" in error
    assert next(line for line in lines if line.startswith("4\tMass\tfalse negative")).endswith(
        "no mention found"
    )
    assert "naive medspacy: macro F1" in text and "31 target phrases" in text
    assert "macro F1 above the baseline:" in text


def test_evaluate_labels_report_mode_errors(tmp_path: Path, openi_csv: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_labels", "--reports", str(tmp_path / "absent.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="either --reports or --gold"):
        call_command(
            "evaluate_labels", "--reports", str(openi_csv), "--gold", str(openi_csv), stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="no column 'text'"):
        args = ["--reports", str(openi_csv), "--text-column", "text", "--no-baseline"]
        call_command("evaluate_labels", *args, stdout=io.StringIO())


def test_label_reports_starts_without_torch_or_the_url_modules(tmp_path: Path) -> None:
    """A short run's start-up was 9-13 s, mostly torch (via the system checks' URL modules, and via
    spaCy's thinc); neither is loaded now. The start-up time itself is measured in bench/nlp."""
    source = tmp_path / "one.csv"
    source.write_text('"FINDINGS: No pneumothorax."\n')
    code = (
        "import sys, django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', 'label_reports', '--input', {str(source)!r}, "
        f"'--output', {str(tmp_path / 'out.csv')!r}])\n"
        "heavy = ('torch', 'annotations.api.urls', 'monai')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loaded: []" in done.stdout
    assert (tmp_path / "out.csv").read_text().splitlines()[1].startswith("FINDINGS: No pneumothorax.,")
