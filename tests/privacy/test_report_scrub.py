"""Report scrubbing: known header identifiers and identifier-shaped text go; findings stay."""

from annotations.privacy.report_scrub import scrub_report
from tests.privacy import planted


def test_planted_identifiers_are_scrubbed_and_findings_kept():
    out = scrub_report(planted.REPORT, known=[planted.NAME, planted.MRN, planted.ACCESSION])
    assert planted.hits(out) == [], out
    for kept in (
        "Small left pleural effusion",
        "No pneumothorax",
        "Heart size is normal",
        "INDICATION: Cough",
    ):
        assert kept in out
    assert "[NAME]" in out and "[ID]" in out and "[DATE]" in out


def test_patterns_catch_what_the_header_did_not_name():
    text = (
        "Compared with study of March 3, 2019 and 2/4/20. Findings discussed with Dr. Okonkwo "
        "by phone (555) 201-3344 at 14:05. Signed by: Priya Raman, MD. Medical record number 00417733."
    )
    out = scrub_report(text)
    for gone in ("March 3, 2019", "2/4/20", "Okonkwo", "201-3344", "14:05", "Priya", "Raman", "00417733"):
        assert gone not in out, (gone, out)


def test_scrubbing_is_stable_so_reimports_stay_idempotent():
    once = scrub_report(planted.REPORT, known=[planted.NAME])
    assert scrub_report(planted.REPORT, known=[planted.NAME]) == once
    assert scrub_report(once, known=[planted.NAME]) == once


def test_clinical_numbers_and_words_survive():
    text = "A 3 mm nodule in the right upper lobe. T8 compression, 20% loss of height. No effusion."
    assert scrub_report(text) == text
