"""Reports: sections, and labels that say exactly what the text states (vs. the image truth)."""

import re

import numpy as np
import pytest

from synthetic import CXR14_FINDINGS
from synthetic.reports import (
    BLANK,
    CHEXPERT_OBSERVATIONS,
    MENTIONS,
    NEGATIVE,
    POSITIVE,
    UNCERTAIN,
    chexpert_labels,
    chexpert_truth,
    write_report,
)

NEGATION = re.compile(
    r"\b(no|without|free of|clear of|resolved|resolution|normal|within normal limits)\b", re.I
)
UNCERTAINTY = re.compile(
    r"\b(possible|cannot be excluded|cannot exclude|may represent|versus|questionable)\b", re.I
)
SECTIONS = ("EXAMINATION", "INDICATION / HISTORY", "COMPARISON", "FINDINGS", "IMPRESSION")


def _sections(text):
    out = {}
    for line in text.splitlines():
        head, _, body = line.partition(": ")
        out[head] = body
    return out


def _sentences_mentioning(body, finding):
    sentences = re.split(r"(?<=\.)\s+", body)
    pattern = re.compile("|".join(rf"\b{re.escape(m)}\b" for m in MENTIONS[finding]), re.I)
    return [s for s in sentences if pattern.search(s)]


def _reports(n=300, seed=0, misleading_rate=0.0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        truth = [f for f in CXR14_FINDINGS if rng.random() < 0.15]
        prior = [f for f in CXR14_FINDINGS if rng.random() < 0.1] if i % 3 == 0 else None
        report = write_report(
            rng,
            truth,
            prior=prior,
            misleading_rate=misleading_rate,
            age=int(rng.integers(1, 90)),
            sex="F",
            comparison_date="2020-02-03" if prior else None,
        )
        out.append((set(truth), report))
    return out


def test_report_has_the_five_sections_in_order():
    _, report = _reports(1)[0]
    assert tuple(_sections(report.text)) == SECTIONS


def test_labels_say_what_the_text_says():
    """Every positive / negative / uncertain label is backed by a matching sentence; blank = unmentioned."""
    for _truth, report in _reports():
        sec = _sections(report.text)
        body = sec["FINDINGS"] + " " + sec["IMPRESSION"]
        for finding in CXR14_FINDINGS:
            sentences = _sentences_mentioning(body, finding)
            label = report.labels[finding]
            if label == BLANK:
                assert not sentences, (finding, report.text)
                continue
            assert sentences, (finding, label, report.text)
            if label == NEGATIVE:
                assert all(NEGATION.search(s) for s in sentences), (finding, report.text)
            elif label == UNCERTAIN:
                assert any(UNCERTAINTY.search(s) for s in sentences), (finding, report.text)
            else:
                assert label == POSITIVE
                affirmed = [
                    s
                    for s in sentences
                    if not UNCERTAINTY.search(s)
                    and not re.search(
                        r"\b(without|free of|clear of|resolved|resolution)\b|\bno (?!change)", s, re.I
                    )
                ]
                assert affirmed, (finding, report.text)


def test_without_misleading_text_never_contradicts_the_image():
    for truth, report in _reports(misleading_rate=0.0):
        assert report.misleading == ""
        for f in CXR14_FINDINGS:
            if f in truth:
                assert report.labels[f] in (POSITIVE, UNCERTAIN)
            else:
                assert report.labels[f] in (NEGATIVE, BLANK)


def test_misleading_reports_disagree_with_the_image_on_the_named_finding():
    reports = _reports(misleading_rate=1.0, seed=1)
    kinds = {r.misleading for _, r in reports}
    assert kinds == {"missed", "overcall"}
    for truth, report in reports:
        f = report.misleading_finding
        if report.misleading == "missed":
            assert f in truth and report.labels[f] in (NEGATIVE, BLANK)
        else:
            assert f not in truth and report.labels[f] == POSITIVE


def test_misleading_rate_is_respected():
    share = np.mean([bool(r.misleading) for _, r in _reports(n=600, misleading_rate=0.1, seed=2)])
    assert 0.06 < share < 0.14


def test_history_mentions_stay_in_the_history_and_do_not_label():
    seen = 0
    for truth, report in _reports(n=400, seed=3):
        sec = _sections(report.text)
        for f in report.history_mentions:
            seen += 1
            assert _sentences_mentioning(sec["INDICATION / HISTORY"], f)
            if f not in truth and not _sentences_mentioning(sec["FINDINGS"] + " " + sec["IMPRESSION"], f):
                assert report.labels[f] == BLANK
    assert seen > 50


def test_follow_up_phrasing_no_change_is_positive_and_resolved_is_negative():
    found_change = found_resolved = False
    for truth, report in _reports(n=600, seed=4):
        findings = _sections(report.text)["FINDINGS"]
        for sentence in re.split(r"(?<=\.)\s+", findings):
            for f in CXR14_FINDINGS:
                if not _sentences_mentioning(sentence, f):
                    continue
                if sentence.lower().startswith("no change in the"):
                    found_change = True
                    assert report.labels[f] == POSITIVE and f in truth
                if "resolved" in sentence or "resolution" in sentence:
                    found_resolved = True
                    assert report.labels[f] == NEGATIVE
    assert found_change and found_resolved


def test_non_chest_report_labels_nothing():
    report = write_report(np.random.default_rng(0), [], body_part="KNEE")
    assert "Knee" in report.text
    assert set(report.labels.values()) == {BLANK}


def test_unknown_finding_is_refused():
    with pytest.raises(ValueError, match="unknown finding"):
        write_report(np.random.default_rng(0), ["Cardiomegalyy"])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({}, {"No Finding": "1.0"}),
        ({"Effusion": NEGATIVE}, {"Pleural Effusion": "0.0", "No Finding": "1.0"}),
        ({"Mass": UNCERTAIN, "Nodule": POSITIVE}, {"Lung Lesion": "1.0", "No Finding": ""}),
        ({"Mass": UNCERTAIN, "Nodule": NEGATIVE}, {"Lung Lesion": "-1.0", "No Finding": ""}),
        (
            {"Infiltration": POSITIVE, "Pleural_Thickening": NEGATIVE},
            {"Lung Opacity": "1.0", "Pleural Other": "0.0"},
        ),
        ({"Emphysema": POSITIVE}, {"No Finding": "1.0"}),  # CheXpert has no emphysema observation
    ],
)
def test_chexpert_mapping(labels, expected):
    full = {f: labels.get(f, BLANK) for f in CXR14_FINDINGS}
    out = chexpert_labels(full)
    assert tuple(out) == CHEXPERT_OBSERVATIONS
    for key, value in expected.items():
        assert out[key] == value, key
    assert out["Fracture"] == "" and out["Support Devices"] == ""


def test_chexpert_truth_is_binary():
    out = chexpert_truth(["Cardiomegaly", "Effusion"])
    assert set(out.values()) <= {"1.0", "0.0"}
    assert out["Cardiomegaly"] == out["Pleural Effusion"] == out["Enlarged Cardiomediastinum"] == "1.0"
    assert out["No Finding"] == "0.0"
    assert chexpert_truth([])["No Finding"] == "1.0"
