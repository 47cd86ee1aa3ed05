"""What an engine hands to the aggregation: phrase mentions with the ConText modifiers that hit them.

Both engines (fast and spaCy) produce an `Analysis`; everything after it -- section filtering,
per-mention assertion, CheXpert aggregation, evidence -- is shared, so the engines can only differ
in the analysis, which the equivalence test compares directly.
"""

from typing import NamedTuple

from ml.nlp.sections import Section


class ModifierHit(NamedTuple):
    """A ConText rule that modifies a mention (character offsets into the report)."""

    start: int
    end: int
    category: str
    direction: str
    literal: str


class Mention(NamedTuple):
    """A phrase-file match: which (finding, kind) pairs it stands for, and its modifiers."""

    start: int
    end: int
    pairs: frozenset[tuple[str, str]]
    modifiers: tuple[ModifierHit, ...]


class Analysis(NamedTuple):
    sections: tuple[Section, ...]
    mentions: tuple[Mention, ...]
