"""Scrubbing identifiers out of report text before Arbiter stores it (Django-free).

Two passes, both deterministic (the same text scrubs to the same result, so re-imports stay
idempotent):

1. Known values: the identifiers the source's own header gives for this study (patient name and
   its parts, patient id, accession number, other ids) are replaced wherever they occur,
   case-insensitively, digits matched across spaces and dashes.
2. Patterns: dates (numeric, ISO, and with month names), times, labelled identifiers
   ("MRN: 123", "Accession #A77", "DOB ..."), names after titles and header labels ("Dr. Smith",
   "Patient: Jane Doe", "signed by ..."), phone numbers and long digit runs.

Replacements are bracketed tags ([NAME], [ID], [DATE], [TIME], [PHONE]) so a reader sees that
something was there. No maintained PHI filter installs cleanly here (philter-lite needs NLTK
tagger data and presidio a spaCy English model, both downloads); docs/privacy.md says more and
bench/privacy measures this one's recall on planted identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME, ID, DATE, TIME, PHONE = "[NAME]", "[ID]", "[DATE]", "[TIME]", "[PHONE]"

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zA-Zß-öø-ÿĀ-ž'\-]+"
# Words of one name stay on one line (a name never runs into the next line's label).
_NAME = rf"{_NAME_WORD}(?:,?[ \t]+(?:[A-Z]\.?[ \t]+)?{_NAME_WORD}){{0,2}}"

_BY = (
    r"(?:electronically\s+)?"
    r"(?:signed|dictated|read|reported|transcribed|verified|approved|interpreted)\s+by"
)
_LABELS = r"patient(?:'s)?\s+name|patient|name|referring(?:\s+physician)?|physician|radiologist|attending"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Labelled header fields and sign-offs: the label stays, the value goes.
    (re.compile(rf"(?m)\b((?i:{_BY}))([ \t]*:?[ \t]*)({_NAME})"), NAME),
    (re.compile(rf"(?m)\b((?i:{_LABELS}))([ \t]*[:#][ \t]*)({_NAME})"), NAME),
    (
        re.compile(
            r"(?i)\b(MRN|medical\s+record(?:\s+(?:number|no\.?))?|patient\s+id|acc(?:ession)?(?:\s+(?:number|no\.?))?|"
            r"order(?:\s+(?:number|no\.?))?|exam(?:\s+(?:number|no\.?))?|SSN|ID)(\s*(?:[:#]|no\.?|number)?\s*[:#]?\s*)"
            r"([A-Z]{0,3}[-\d][\w-]{2,})"
        ),
        ID,
    ),
    (re.compile(r"(?i)\b(DOB|date\s+of\s+birth|born)(\s*[:#]?\s*)(\S+)"), DATE),
    # Titles before names.
    (re.compile(rf"\b(Dr|Drs|Mr|Mrs|Ms|Miss|Prof)(\.?[ \t]+)({_NAME})"), NAME),
    (
        re.compile(rf"()()\b({_NAME_WORD}(?:[ \t]+{_NAME_WORD})?)(?=,[ \t]*(?:MD|M\.D\.|DO|RN|PA-C|NP)\b)"),
        NAME,
    ),
)
_DATES = (
    re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"),
    re.compile(rf"(?i)\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"),
    re.compile(rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}\b"),
    re.compile(rf"(?i)\b{_MONTHS}\s+\d{{4}}\b"),
    re.compile(r"\b(?:19|20)\d{6}\b"),  # DICOM DA: 20190314
)
_TIME = re.compile(r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\b|\b\d{1,2}\s*[ap]\.?m\.?\b")
_PHONE = re.compile(r"(?:\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
_LONG_DIGITS = re.compile(r"\b\d{6,}\b")


def _known_patterns(known: Iterable[str]) -> list[re.Pattern[str]]:
    """Each known identifier, and each part of a DICOM person name, as a whole-word pattern."""
    values: set[str] = set()
    for raw in known:
        value = (raw or "").strip()
        if not value:
            continue
        parts = [p.strip() for p in re.split(r"[\^,]", value) if p.strip()]
        if "^" in value or "," in value:
            values.add(" ".join(reversed(parts[:2])))  # DOE^JOHN -> JOHN DOE
            values.add(" ".join(parts[:2]))
        values.add(" ".join(parts) if parts else value)
        values.update(p for p in (w for part in parts for w in part.split()) if len(p) >= 2)
    patterns = []
    for value in sorted(values, key=len, reverse=True):
        if value.isdigit() or (re.fullmatch(r"[\w-]+", value) and any(c.isdigit() for c in value)):
            flexible = r"[\s-]?".join(re.escape(c) for c in value.replace("-", ""))
            patterns.append(re.compile(rf"(?<![\w]){flexible}(?![\w])", re.IGNORECASE))
        else:
            body = r"\s+".join(re.escape(w) for w in value.split())
            patterns.append(re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE))
    return patterns


def _label_keep(tag: str):
    def replace(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2) + tag

    return replace


def scrub_report(text: str, *, known: Iterable[str] = ()) -> str:
    """`text` with the known identifiers and identifier-shaped spans replaced by tags."""
    out = text
    for pattern in _known_patterns(known):
        out = pattern.sub(lambda m: ID if any(c.isdigit() for c in m.group(0)) else NAME, out)
    for pattern in _DATES:
        out = pattern.sub(DATE, out)
    for pattern, tag in _PATTERNS:
        out = pattern.sub(_label_keep(tag), out)
    out = _TIME.sub(TIME, out)
    out = _PHONE.sub(PHONE, out)
    return _LONG_DIGITS.sub(ID, out)
