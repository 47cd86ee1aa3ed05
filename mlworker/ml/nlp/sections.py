"""Report sections and sentences, on characters of the original text.

Both engines split a report the same way, here: section headers come from `rules/sections.txt`
(FINDINGS, IMPRESSION... are labelled; INDICATION, HISTORY, COMPARISON... are not), and sentences
end at ".", "!" or "?" followed by whitespace (not after a few abbreviations such as "Dr." or
"vs."), at blank lines, before a numbered or bulleted list item at the start of a line, and around
a section header. A sentence longer than `MAX_SENTENCE_CHARS` is cut at whitespace so that one
run-on megabyte cannot make negation scope quadratic.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from mlworker.ml.nlp.errors import PhraseFileError

REPORT = "report"
IGNORE = "ignore"
PREAMBLE = "preamble"  # text before the first header; labelled like a [report] section
MAX_SENTENCE_CHARS = 1000

DEFAULT_SECTIONS_FILE = Path(__file__).with_name("rules") / "sections.txt"

_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "vs", "e.g", "i.e", "approx", "st", "fig")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LIST_ITEM = re.compile(r"(?m)^[ \t]*(?:\d{1,2}[.)]|[-*\u2022])[ \t]+(?=\S)")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")


@dataclass(frozen=True)
class Section:
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
        return any(ch.isalnum() for ch in text[self.body_start : self.end])


@dataclass(frozen=True)
class Sentence:
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

    def header_regex(self) -> re.Pattern[str]:
        names = sorted(self.headers, key=len, reverse=True)
        alternatives = "|".join(r"[ \t]+".join(re.escape(w) for w in n.split()) for n in names)
        # A header starts a line (or follows a sentence end) and ends with ":" or the end of its line.
        return re.compile(
            rf"(?im)(?:^|(?<=[.!?])[ \t]+)[ \t]*(?P<name>{alternatives})[ \t]*(?::|$)",
        )


class Segmenter:
    """Splits a report into sections and sentences (character offsets into the original text)."""

    def __init__(self, rules: SectionRules) -> None:
        self.rules = rules
        self._header = rules.header_regex()

    def sections(self, text: str) -> list[Section]:
        """The report's sections in order; the header itself is part of its section."""
        found = list(self._header.finditer(text))
        sections: list[Section] = []
        first = found[0].start("name") if found else len(text)
        if first > 0 and text[:first].strip():
            sections.append(Section(PREAMBLE, PREAMBLE, 0, first, 0))
        for i, m in enumerate(found):
            name = " ".join(m.group("name").lower().split())
            end = found[i + 1].start("name") if i + 1 < len(found) else len(text)
            sections.append(Section(name, self.rules.headers[name], m.start("name"), end, m.end()))
        return sections

    def sentences(self, text: str) -> list[Sentence]:
        """Sentences of every section; a header ("FINDINGS:") is a sentence of its own."""
        return self.segment(text)[1]

    def segment(self, text: str) -> tuple[list[Section], list[Sentence]]:
        """The report's sections and their sentences."""
        out: list[Sentence] = []
        sections = self.sections(text)
        for section in sections:
            cuts = {section.start, section.end, section.body_start}
            body = text[section.start : section.end]
            base = section.start
            for m in _SENTENCE_END.finditer(body):
                if not _is_abbreviation(body, m.start()):
                    cuts.add(base + m.end())
            for m in _BLANK_LINE.finditer(body):
                cuts.add(base + m.start())
            for m in _LIST_ITEM.finditer(body):
                cuts.add(base + m.start())
            edges = sorted(c for c in cuts if section.start <= c <= section.end)
            for a, b in pairwise(edges):
                for start, end in _split_long(text, a, b):
                    start, end = _strip(text, start, end)
                    if start < end:
                        out.append(Sentence(start, end, section))
        return sections, out


def section_at(sections: list[Section], offset: int) -> Section:
    """The section holding character `offset` (the preamble for text before any section)."""
    found = None
    for section in sections:
        if section.start > offset:
            break
        found = section
    return found or Section(PREAMBLE, PREAMBLE, 0, sections[0].start if sections else offset, 0)


def sentence_token_starts(token_starts: list[int], sentences: list[Sentence]) -> list[int]:
    """Indices of the tokens that begin a sentence: the first token at or after each sentence start.

    Both engines derive token sentences this way (token 0 always begins one), so ConText sees the
    same sentence boundaries whichever engine runs it.
    """
    if not token_starts:
        return []
    starts = {0}
    for sentence in sentences:
        i = bisect_left(token_starts, sentence.start)
        if i < len(token_starts):
            starts.add(i)
    return sorted(starts)


def _is_abbreviation(body: str, period_at: int) -> bool:
    if body[period_at] != ".":
        return False
    m = _WORD_BEFORE.search(body, 0, period_at)
    return bool(m) and m.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut [start, end) into pieces of at most about MAX_SENTENCE_CHARS, at whitespace when possible."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = start + MAX_SENTENCE_CHARS
        space = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, cut)
        if space > start:
            cut = space + 1
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces
