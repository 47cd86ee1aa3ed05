"""ReportLabeler: evidence that points into the original text, bad input, batches and processes."""

import pickle
import time

import pytest

from ml.nlp import (
    MAX_REPORT_CHARS,
    NEGATIVE,
    POSITIVE,
    UNCERTAIN,
    ReportInputError,
    from_chexpert_value,
    to_chexpert_value,
)
from tests.ml.nlp.conftest import get_labeler

REPORT = (
    "INDICATION: Rule out pneumonia.\n"
    "FINDINGS: Small left pleural effusion. No pneumothorax.\n"
    "IMPRESSION: Left basilar opacity, atelectasis versus pneumonia."
)


def test_values_and_evidence_point_into_the_original_text(chexpert) -> None:
    labels = chexpert.label(REPORT)
    assert labels.values()["Pleural Effusion"] == POSITIVE
    assert labels["Pneumothorax"].value == NEGATIVE
    assert labels["Pneumonia"].value == UNCERTAIN
    assert labels["No Finding"].value is None
    (effusion,) = labels["Pleural Effusion"].evidence
    assert REPORT[effusion.start : effusion.end] == effusion.text == "pleural effusion"
    assert (effusion.section, effusion.kind, effusion.rule) == ("findings", "mention", "mention")
    (ptx,) = labels["Pneumothorax"].evidence
    (cue,) = ptx.cues
    assert REPORT[cue.start : cue.end] == "No" and cue.category == "NEGATED_EXISTENCE"
    assert ptx.rule == "NEGATED_EXISTENCE 'No'"
    # the indication's "pneumonia" is not evidence; the impression's is, and says why it is uncertain
    (pneumonia,) = labels["Pneumonia"].evidence
    assert pneumonia.section == "impression" and pneumonia.cues[0].text == "versus"


def test_every_evidence_span_matches_the_text(chexpert, gold_sets) -> None:
    spans = 0
    for case in gold_sets["chexpert"].cases:
        for label in chexpert.label(case.text).labels:
            for ev in label.evidence:
                assert case.text[ev.start : ev.end] == ev.text
                assert all(case.text[c.start : c.end] == c.text for c in ev.cues)
                spans += 1
    assert spans > 300


def test_evidence_keeps_offsets_of_decoded_bytes(chexpert) -> None:
    raw = "Caf\u00e9 note. Small effusion.".encode() + b"\xff\xfe No pneumothorax."
    labels = chexpert.label(raw)
    text = raw.decode("utf-8", errors="replace")
    (ev,) = labels["Pleural Effusion"].evidence
    assert text[ev.start : ev.end] == "effusion"
    assert labels["Pneumothorax"].value == NEGATIVE


@pytest.mark.parametrize("report", ["", "   \n\t", None, b""])
def test_empty_report_gives_all_blank(chexpert, report) -> None:
    labels = chexpert.label(report)
    assert set(labels.values().values()) == {None}
    assert labels.error is None and not labels.truncated


def test_not_text_is_an_error_but_does_not_stop_a_batch(chexpert) -> None:
    with pytest.raises(ReportInputError, match="str or bytes, not int"):
        chexpert.label(12)
    results = list(chexpert.label_many(["No effusion.", 12, "Small effusion."]))
    assert [r["Pleural Effusion"].value for r in results] == [NEGATIVE, None, POSITIVE]
    assert results[1].error.startswith("ReportInputError") and results[0].error is None


def test_megabyte_report(chexpert) -> None:
    sentence = "Small left pleural effusion. No pneumothorax. Heart size is normal. "
    text = sentence * (1_000_000 // len(sentence) + 1)
    start = time.perf_counter()
    labels = chexpert.label(text)
    elapsed = time.perf_counter() - start
    assert len(text) > 1_000_000 and not labels.truncated
    assert labels["Pleural Effusion"].value == POSITIVE and labels["Pneumothorax"].value == NEGATIVE
    assert len(labels["Pleural Effusion"].evidence) == text.count("pleural effusion")
    assert elapsed < 20  # generous: a shared 2-core machine; typically about a second


def test_run_on_megabyte_without_full_stops(chexpert) -> None:
    """Cut into bounded sentences (after commas when it can), so negation scope stays linear."""
    labels = chexpert.label("no effusion, " * 40_000)
    assert labels["Pleural Effusion"].value == NEGATIVE
    assert len(labels["Pleural Effusion"].evidence) == 40_000


def test_longer_than_the_limit_is_truncated_and_says_so(chexpert) -> None:
    text = "No effusion. " * (MAX_REPORT_CHARS // 13) + "Large pneumothorax. " * 10
    labels = chexpert.label(text)
    assert labels.truncated
    assert labels["Pneumothorax"].value is None  # it was beyond the part that was read


def test_label_many_in_processes_equals_one_by_one(chexpert, gold_sets) -> None:
    texts = [*(c.text for c in gold_sets["chexpert"].cases[:120]), None, "", 5]
    one_by_one = [chexpert.label_safe(t) for t in texts]
    assert list(chexpert.label_many(texts, batch_size=16, n_process=2)) == one_by_one
    assert list(chexpert.label_many(iter(texts), batch_size=7)) == one_by_one


def test_sentence_cache_changes_nothing(labeler_for, gold_sets) -> None:
    cached = labeler_for("chexpert", ("Implant",))
    uncached = type(cached)("chexpert", flags=("Implant",))
    uncached._engine._cache_size = 0
    for case in gold_sets["chexpert"].cases:
        assert uncached.label(case.text) == cached.label(case.text)
    assert not uncached._engine._cache


def test_labels_pickle_round_trip(chexpert) -> None:
    labels = chexpert.label(REPORT)
    again = pickle.loads(pickle.dumps(labels))
    assert again == labels and again.labels == labels.labels
    assert again["Pneumonia"].evidence[0].cues[0].text == "versus"


def test_chexpert_values() -> None:
    assert [to_chexpert_value(v) for v in (POSITIVE, NEGATIVE, UNCERTAIN, None)] == [1.0, 0.0, -1.0, None]
    assert [from_chexpert_value(c) for c in ("1.0", "1", "0.0", "-1", "-1.0", "", " ", "nan", None)] == [
        POSITIVE,
        POSITIVE,
        NEGATIVE,
        UNCERTAIN,
        UNCERTAIN,
        None,
        None,
        None,
        None,
    ]
    with pytest.raises(ValueError, match="not a label value"):
        to_chexpert_value("maybe")
    with pytest.raises(ValueError, match="not a CheXpert label"):
        from_chexpert_value("2")
    labels = get_labeler("google4").label("Possible rib fracture. No pneumothorax.")
    assert labels.findings == ("Fracture", "Pneumothorax", "Airspace opacity", "Nodule or mass")
    assert labels.chexpert_row() == [-1.0, 0.0, None, None]
