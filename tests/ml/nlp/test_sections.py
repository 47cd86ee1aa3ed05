"""Sections and sentences: which text is labelled, and where negation scope ends."""

import pytest

from ml.nlp.sections import IGNORE, MAX_SENTENCE_CHARS, PREAMBLE, REPORT, SectionRules, Segmenter


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    return Segmenter(SectionRules.load())


def _sections(segmenter: Segmenter, text: str) -> list[tuple[str, str, str]]:
    return [(s.name, s.kind, text[s.start : s.end].strip()) for s in segmenter.sections(text)]


def _sentences(segmenter: Segmenter, text: str) -> list[str]:
    return [text[s.start : s.end] for s in segmenter.sentences(text)]


def test_headers_at_line_start_inline_and_alone(segmenter: Segmenter) -> None:
    text = "EXAMINATION: Chest.\nIndication: cough. FINDINGS: No effusion.\nImpression\nNormal."
    assert _sections(segmenter, text) == [
        ("examination", IGNORE, "EXAMINATION: Chest."),
        ("indication", IGNORE, "Indication: cough."),
        ("findings", REPORT, "FINDINGS: No effusion."),
        ("impression", REPORT, "Impression\nNormal."),
    ]


def test_not_headers(segmenter: Segmenter) -> None:
    # a header word inside a sentence, or followed by more words, starts no section
    text = "Findings are unremarkable. No history of effusion: none. NOTE: call."
    assert _sections(segmenter, text) == [(PREAMBLE, PREAMBLE, text)]


def test_multiword_headers_with_odd_spacing_and_crlf(segmenter: Segmenter) -> None:
    text = "CLINICAL   HISTORY :  fever\r\nFINDINGS\r\nClear."
    assert [(n, k) for n, k, _ in _sections(segmenter, text)] == [
        ("clinical history", IGNORE),
        ("findings", REPORT),
    ]


def test_sentence_boundaries(segmenter: Segmenter) -> None:
    text = (
        "FINDINGS: A 1.5 cm nodule, see Dr. Smith. Atelectasis vs. pneumonia!\n"
        "No effusion\n\nIMPRESSION:\n1. Nodule.\n2. No pneumothorax"
    )
    assert _sentences(segmenter, text) == [
        "FINDINGS:",
        "A 1.5 cm nodule, see Dr. Smith.",
        "Atelectasis vs. pneumonia!",
        "No effusion",
        "IMPRESSION:",
        "1. Nodule.",
        "2. No pneumothorax",
    ]


def test_wrapped_line_stays_one_sentence(segmenter: Segmenter) -> None:
    assert _sentences(segmenter, "There is a small left pleural\neffusion.") == [
        "There is a small left pleural\neffusion."
    ]


def test_sentences_keep_their_section_and_can_skip_ignored_ones(segmenter: Segmenter) -> None:
    text = "HISTORY: Pneumonia. Cough.\nFINDINGS: Clear."
    everything = segmenter.sentences(text)
    assert [s.section.name for s in everything] == ["history", "history", "history", "findings", "findings"]
    _, labelled = segmenter.segment(text, labelled_only=True)
    assert [text[s.start : s.end] for s in labelled] == ["FINDINGS:", "Clear."]


def test_run_on_text_is_cut_into_bounded_sentences(segmenter: Segmenter) -> None:
    text = "no effusion and " * 500  # 8000 characters, no full stop
    pieces = segmenter.sentences(text)
    assert len(pieces) > 1
    assert all(s.end - s.start <= MAX_SENTENCE_CHARS for s in pieces)
    assert "".join(text[s.start : s.end] + " " for s in pieces).split() == text.split()


def test_section_has_text(segmenter: Segmenter) -> None:
    text = "FINDINGS:\n\nIMPRESSION: Normal."
    findings, impression = segmenter.sections(text)
    assert not findings.has_text(text)
    assert impression.has_text(text)
