"""Report sections and sentences, on characters of the original text.

Both engines split a report the same way, here: section headers come from `rules/sections.txt`
(FINDINGS, IMPRESSION... are labelled; INDICATION, HISTORY, COMPARISON... are not), and sentences
end at ".", "!" or "?" followed by whitespace (not after a few abbreviations such as "Dr." or
"vs."), at blank lines, before a numbered or bulleted list item at the start of a line, and around
a section header. A sentence longer than `MAX_SENTENCE_CHARS` is cut at whitespace so that one
run-on megabyte cannot make negation scope quadratic.
"""

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from ml.nlp.errors import PhraseFileError

REPORT = "report"
IGNORE = "ignore"
PREAMBLE = "preamble"  # text before the first header; labelled like a [report] section
MAX_SENTENCE_CHARS = 1000

DEFAULT_SECTIONS_FILE = Path(__file__).with_name("rules") / "sections.txt"

_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "vs", "e.g", "i.e", "approx", "st", "fig")
_ABBREVIATION_ENDS = frozenset(a[-1] for a in _ABBREVIATIONS)
_LIST_NUMBER = re.compile(r"(?:^|[\n:.!?])[ \t]*\d{1,2}$")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LIST_ITEM = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*\u2022])[ \t]+(?=\S)")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")
_ALNUM = re.compile(r"[^\W_]")


class Section(NamedTuple):
    """A run of text under one header. `name` is the header as listed, `kind` REPORT/IGNORE/PREAMBLE."""

    name: str
    kind: str
    start: int
    end: int
    body_start: int  # just after the header ("FINDINGS:"); == start for the preamble

    @property
    def labelled(self) -> bool:
        return self.kind != IGNORE

    def has_text(self, text: str) -> bool:
        """Whether the section says anything after its header."""
        return _ALNUM.search(text, self.body_start, self.end) is not None


class Sentence(NamedTuple):
    start: int
    end: int
    section: Section


@dataclass(frozen=True)
class SectionRules:
    """Header names by kind, read from a sections file."""

    headers: dict[str, str]  # lower-cased header name -> REPORT or IGNORE
    source: str  # the file's text, part of the pipeline version

    @classmethod
    def load(cls, path: Path = DEFAULT_SECTIONS_FILE) -> "SectionRules":
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PhraseFileError(f"cannot read sections file {path}: {exc}") from exc
        headers: dict[str, str] = {}
        kind: str | None = None
        for lineno, raw in enumerate(source.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                kind = line[1:-1].strip().lower()
                if kind not in (REPORT, IGNORE):
                    raise PhraseFileError(f"{path}:{lineno}: unknown block [{kind}]; use [report]/[ignore]")
                continue
            if kind is None:
                raise PhraseFileError(f"{path}:{lineno}: header {line!r} before any [report]/[ignore] block")
            headers[" ".join(line.lower().split())] = kind
        if not headers:
            raise PhraseFileError(f"{path}: no section headers listed")
        return cls(headers=headers, source=source)


_LINE_START = re.compile(r"\n")
_AFTER_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]")
_HEADER_END = re.compile(r"[:\n]")
_BLANKS = " \t\r"


class Segmenter:
    """Splits a report into sections and sentences (character offsets into the original text)."""

    def __init__(self, rules: SectionRules) -> None:
        self.rules = rules
        self._longest = max(len(name) for name in rules.headers)

    def _headers(self, text: str, after_ends: list[int] | None = None) -> list[tuple[int, int, str]]:
        """(name start, header end, name) of each header, in order.

        A header is a listed name alone between a line start (or a sentence end and blanks) and a
        ":" or the end of its line; blanks around it and between its words do not matter.
        """
        candidates = [0, *(m.end() for m in _LINE_START.finditer(text))]
        if after_ends is None:
            after_ends = [m.start() for m in _AFTER_SENTENCE_END.finditer(text)]
        candidates += after_ends
        headers = self.rules.headers
        size = len(text)
        found: list[tuple[int, int, str]] = []
        end = -1
        for pos in sorted(set(candidates)):
            if pos < end:
                continue
            window = min(size, pos + self._longest + 20)
            stop = _HEADER_END.search(text, pos, window)
            if stop is None and window < size:
                continue
            k = stop.start() if stop else size
            segment = text[pos:k]
            name = segment.strip(_BLANKS)
            if not name:
                continue
            key = " ".join(name.lower().split())
            if key in headers:
                end = k + 1 if stop and text[k] == ":" else k
                found.append((pos + len(segment) - len(segment.lstrip(_BLANKS)), end, key))
        return found

    def sections(self, text: str, after_ends: list[int] | None = None) -> list[Section]:
        """The report's sections in order; the header itself is part of its section."""
        found = self._headers(text, after_ends)
        sections: list[Section] = []
        first = found[0][0] if found else len(text)
        if first > 0 and text[:first].strip():
            sections.append(Section(PREAMBLE, PREAMBLE, 0, first, 0))
        for i, (start, body_start, name) in enumerate(found):
            end = found[i + 1][0] if i + 1 < len(found) else len(text)
            sections.append(Section(name, self.rules.headers[name], start, end, body_start))
        return sections

    def sentences(self, text: str) -> list[Sentence]:
        """Sentences of every section; a header ("FINDINGS:") is a sentence of its own."""
        return self.segment(text)[1]

    def segment(self, text: str, labelled_only: bool = False) -> tuple[list[Section], list[Sentence]]:
        """The report's sections and their sentences (only those of labelled sections if asked)."""
        ends = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)]
        size = len(text)
        after_ends = [e for _, e in ends if e < size and text[e] in " \t"]
        sections = self.sections(text, after_ends)
        if not sections:
            return sections, []
        cuts = {size}
        for section in sections:
            cuts.update((section.start, section.body_start))
        cuts.update(e for s, e in ends if text[s] != "." or not _is_abbreviation(text, s))
        cuts.update(m.start() for m in _BLANK_LINE.finditer(text))
        cuts.update(m.start() for m in _LIST_ITEM.finditer(text))
        edges = sorted(c for c in cuts if c >= sections[0].start)
        out: list[Sentence] = []
        index, section = 0, sections[0]
        for a, b in pairwise(edges):
            while index + 1 < len(sections) and sections[index + 1].start <= a:
                index += 1
                section = sections[index]
            if labelled_only and section.kind == IGNORE:
                continue
            pieces = _split_long(text, a, b) if b - a > MAX_SENTENCE_CHARS else ((a, b),)
            for start, end in pieces:
                piece = text[start:end]
                stripped = piece.strip()
                if stripped:
                    first = start + len(piece) - len(piece.lstrip())
                    out.append(Sentence(first, first + len(stripped), section))
        return sections, out


def section_at(sections: list[Section], offset: int) -> Section:
    """The section holding character `offset` (the preamble for text before any section)."""
    found = None
    for section in sections:
        if section.start > offset:
            break
        found = section
    return found or Section(PREAMBLE, PREAMBLE, 0, sections[0].start if sections else offset, 0)


def _is_abbreviation(text: str, period_at: int) -> bool:
    """Whether the "." at `period_at` ends an abbreviation ("Dr.") or a list number ("1."), not a sentence."""
    before = text[period_at - 1 : period_at]
    if before.isdigit():
        return _LIST_NUMBER.search(text, max(0, period_at - 8), period_at) is not None
    if text[period_at] != "." or before.lower() not in _ABBREVIATION_ENDS:
        return False
    # The longest abbreviation is 6 characters, so a 12-character window decides.
    m = _WORD_BEFORE.search(text, max(0, period_at - 12), period_at)
    return bool(m) and m.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most MAX_SENTENCE_CHARS: after a ";" or "," if there is
    one in the second half of the piece, else at a space, else anywhere."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = start + MAX_SENTENCE_CHARS
        half = start + MAX_SENTENCE_CHARS // 2
        mark = max(text.rfind("; ", half, cut), text.rfind(", ", half, cut))
        space = text.rfind(" ", half, cut)
        if mark > start:
            cut = mark + 2
        elif space > start:
            cut = space + 1
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces
