"""Phrase files and ConText rule files: the syntax, clear errors, and that an edit takes effect."""

import json
import shutil
from pathlib import Path

import pytest

from ml.nlp.errors import PhraseFileError, UnknownSchemaError
from ml.nlp.labeler import ReportLabeler
from ml.nlp.phrases import DEFAULT_PHRASES_DIR, expand, finding_slug, load_lexicon
from ml.nlp.rules import DEFAULT_RULE_FILES, load_context_rules


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("effusion(s)", {"effusion", "effusions"}),
        ("(pleural |)effusion", {"pleural effusion", "effusion"}),
        ("opacit(y|ies)", {"opacity", "opacities"}),
        (
            "(left|right) (small |)effusion",
            {"left small effusion", "left effusion", "right small effusion", "right effusion"},
        ),
        ("a(b(c|d)|e)f", {"abcf", "abdf", "aef"}),
        ("  heart   size  ", {"heart size"}),
        (r"x \(y\)", {"x (y)"}),
    ],
)
def test_expand(line: str, expected: set[str]) -> None:
    assert set(expand(line)) == expected


@pytest.mark.parametrize("line", ["(a|b", "a)b", "a|b"])
def test_expand_rejects_unbalanced(line: str) -> None:
    with pytest.raises(PhraseFileError, match=r"unbalanced|unclosed"):
        expand(line, "f.txt:3")


def test_finding_slug() -> None:
    assert finding_slug("Pleural Effusion") == "pleural_effusion"
    assert finding_slug("Pleural_Thickening") == "pleural_thickening"
    assert finding_slug("Nodule or mass") == "nodule_or_mass"


def test_every_schema_with_phrases_loads_and_has_each_finding() -> None:
    # ChestX-ray14's derived No Finding has a file too: the other abnormalities (issue #16).
    for schema, n_findings in (("chexpert", 13), ("chestxray14", 15), ("google4", 4)):
        lexicon = load_lexicon(schema, flags=("Implant",))
        covered = {finding for pairs in lexicon.entries.values() for finding, _ in pairs}
        assert len(covered) == n_findings + 1  # every labelled finding and the flag have phrases


def test_schema_without_phrases_is_a_clear_error() -> None:
    with pytest.raises(UnknownSchemaError, match=r"no phrase files for schema 'oct4'.*chexpert"):
        load_lexicon("oct4")
    with pytest.raises(UnknownSchemaError, match="unknown label schema"):
        load_lexicon("nope")
    with pytest.raises(UnknownSchemaError, match="unknown flag"):
        load_lexicon("chexpert", flags=("Pacemaker",))


@pytest.fixture
def phrases(tmp_path: Path) -> Path:
    root = tmp_path / "phrases"
    shutil.copytree(DEFAULT_PHRASES_DIR, root)
    return root


def test_missing_and_stray_files_are_named(phrases: Path) -> None:
    (phrases / "google4" / "fracture.txt").rename(phrases / "google4" / "fractures.txt")
    with pytest.raises(PhraseFileError, match=r"fractures\.txt match no finding.*fracture\.txt"):
        load_lexicon("google4", phrases)
    (phrases / "google4" / "fractures.txt").unlink()
    with pytest.raises(PhraseFileError, match=r"fracture\.txt does not exist"):
        load_lexicon("google4", phrases)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[mentions]\nfracture\n", r"unknown block \[mentions\]"),
        ("fracture\n[exclude]\nfracture\n", "both"),
        ("@include google4/fracture\n", "cycle"),
        ("@include\n", "needs a path"),
        ("[exclude]\nold fracture\n", r"no \[mention\] or \[negative\]"),
        ("fract(ure\n", "unclosed"),
    ],
)
def test_malformed_phrase_file_names_file_and_problem(phrases: Path, content: str, message: str) -> None:
    (phrases / "google4" / "fracture.txt").write_text(content, encoding="utf-8")
    with pytest.raises(PhraseFileError, match=message):
        load_lexicon("google4", phrases)


def test_editing_a_phrase_file_changes_labels_and_version(phrases: Path) -> None:
    before = ReportLabeler("google4", phrases)
    text = "There is a small left apical air leak."
    assert before.label(text)["Pneumothorax"].value is None
    path = phrases / "chexpert" / "pneumothorax.txt"  # google4's file includes it
    path.write_text(path.read_text(encoding="utf-8") + "air leak\n", encoding="utf-8")
    after = ReportLabeler("google4", phrases)
    assert after.label(text)["Pneumothorax"].value == "positive"
    assert after.label("No air leak.")["Pneumothorax"].value == "negative"
    assert after.version != before.version
    assert ReportLabeler("google4", phrases).version == after.version  # stable for the same files


def test_version_names_schema_and_differs_with_flags() -> None:
    plain, flagged = ReportLabeler("google4"), ReportLabeler("google4", flags=("Implant",))
    assert plain.version.startswith("arbiter-nlp-") and "+google4." in plain.version
    assert plain.version != flagged.version
    assert flagged.findings[-1] == "Implant"


def _rules_with(tmp_path: Path, extra: dict) -> tuple[Path, ...]:
    path = tmp_path / "extra.json"
    path.write_text(json.dumps(extra), encoding="utf-8")
    return (*DEFAULT_RULE_FILES, path)


def test_default_rules_load_without_overlaps() -> None:
    rules = load_context_rules()
    literals = [r.literal for r in rules.rules]
    assert "cannot be excluded" in literals and "no change" in literals and ": no" not in literals


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"context_rules": [{"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"}]},
            "overlap.*'no'",
        ),
        (
            {"context_rules": [{"literal": "x", "category": "NEGATED_EXISTENCE", "direction": "SIDEWAYS"}]},
            "direction",
        ),
        (
            {
                "context_rules": [
                    {"literal": "x", "category": "POSSIBLE_EXISTENCE", "pattern": [{"LOWER": "x", "OP": "+"}]}
                ]
            },
            "only OP '\\?'",
        ),
        (
            {
                "context_rules": [
                    {"literal": "x", "category": "POSSIBLE_EXISTENCE", "pattern": [{"TEXT": "x"}]}
                ]
            },
            "only LOWER and OP",
        ),
        ({"remove": ["not a rule"]}, "not loaded"),
        ({"context_rules": [{"category": "POSSIBLE_EXISTENCE"}]}, "needs 'literal'"),
    ],
)
def test_bad_rule_files_are_clear_errors(tmp_path: Path, extra: dict, message: str) -> None:
    with pytest.raises(PhraseFileError, match=message):
        load_context_rules(_rules_with(tmp_path, extra))


def test_an_added_rule_takes_effect(tmp_path: Path) -> None:
    text = "Pneumothorax is doubtful."
    assert ReportLabeler("google4").label(text)["Pneumothorax"].value == "positive"
    files = _rules_with(
        tmp_path,
        {
            "context_rules": [
                {"literal": "is doubtful", "category": "POSSIBLE_EXISTENCE", "direction": "BACKWARD"}
            ]
        },
    )
    assert ReportLabeler("google4", rule_files=files).label(text)["Pneumothorax"].value == "uncertain"
