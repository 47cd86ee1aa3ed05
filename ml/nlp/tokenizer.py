"""The one tokenizer both engines share: spaCy's English tokenizer with medspacy's clinical infixes.

It reproduces `medspacy.custom_tokenizer.create_medspacy_tokenizer` (every punctuation mark except
the period splits a token: "c/o" -> "c", "/", "o") without importing medspacy, whose import pulls in
QuickUMLS and takes seconds. A test checks token for token that it equals medspacy's own tokenizer.
Both engines tokenize with it, so phrase and rule matching see the same tokens in both.
"""

import re
import string
import sys
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer


def import_spacy() -> ModuleType:
    """spaCy, imported on first use and without torch.

    spaCy's thinc imports torch when it is installed (2-4 s, and CUDA's device count) only to offer
    torch-backed layers; a tokenizer needs none of them, and that import was most of a short
    `label_reports` run's start-up. Unless torch is already loaded, thinc is shown no torch while
    spaCy imports (`import torch` raises ImportError there, which thinc expects); torch stays
    importable afterwards for whoever needs it.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy


def build_tokenizer(nlp: "Language") -> "Tokenizer":
    """The medspacy tokenizer for `nlp`'s vocabulary (same rules as medspacy 1.3.1)."""
    import_spacy()
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    punctuation = string.punctuation.replace(".", "")
    infixes = [*nlp.Defaults.infixes, rf"[{re.escape(punctuation)}]"]
    return Tokenizer(
        nlp.vocab,
        nlp.Defaults.tokenizer_exceptions.copy(),
        prefix_search=compile_prefix_regex(nlp.Defaults.prefixes).search,
        suffix_search=compile_suffix_regex(nlp.Defaults.suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=nlp.Defaults.token_match,  # what spaCy's own tokenizer factory passes
    )


TOKENIZER_FACTORY = "arbiter.medspacy_tokenizer.v1"


@lru_cache(maxsize=1)
def blank_english() -> "Language":
    """A blank English pipeline whose tokenizer is the medspacy one (shared per process).

    The tokenizer is built by the pipeline's own factory, so spaCy's default tokenizer (whose
    special cases take a third of a second to load) is never built just to be replaced.
    """
    spacy = import_spacy()
    spacy.registry.tokenizers.register(TOKENIZER_FACTORY, func=lambda: build_tokenizer)
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_FACTORY}}})


def phrase_tokens(text: str) -> tuple[str, ...]:
    """Lower-cased tokens of a phrase, as medspacy's PhraseMatcher (attr LOWER) sees a literal."""
    nlp = blank_english()
    return tuple(t.lower_ for t in nlp.tokenizer(text.lower()))


_NON_SPACE = re.compile(r"\S+")


class ChunkCachedTokenizer:
    """The same tokens as `tokenizer(text)`, as (starts, lengths, lower hashes), cached per chunk.

    spaCy splits a text at whitespace and tokenizes each chunk on its own, caching the result --
    but stops caching for the rest of a document once a chunk hits a special case ("\\n",
    "cannot", "e.g."), which almost every report has. Tokenizing chunk by chunk with our own cache
    gives identical tokens (no special case spans whitespace except whitespace itself) at a
    fraction of the cost. spaCy's whitespace rule is kept: one " " after a chunk is absorbed,
    any other run of whitespace is a token of its own.
    """

    def __init__(self, tokenizer: "Tokenizer", max_entries: int = 500_000) -> None:
        self._tokenizer = tokenizer
        self._cache: dict[str, tuple[tuple[int, int, int], ...]] = {}
        self._max_entries = max_entries

    def _chunk(self, chunk: str) -> tuple[tuple[int, int, int], ...]:
        found = self._cache.get(chunk)
        if found is None:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            found = tuple((t.idx, len(t), t.lower) for t in self._tokenizer(chunk))
            self._cache[chunk] = found
        return found

    def __call__(self, text: str) -> tuple[list[int], list[int], list[int]]:
        starts: list[int] = []
        lengths: list[int] = []
        lowers: list[int] = []
        pos = 0
        seen_word = False
        for m in _NON_SPACE.finditer(text):
            begin = m.start()
            if begin > pos:
                gap = pos + 1 if seen_word and text[pos] == " " else pos
                if gap < begin:
                    for off, length, lower in self._chunk(text[gap:begin]):
                        starts.append(gap + off)
                        lengths.append(length)
                        lowers.append(lower)
            for off, length, lower in self._chunk(m.group()):
                starts.append(begin + off)
                lengths.append(length)
                lowers.append(lower)
            pos = m.end()
            seen_word = True
        if pos < len(text):
            gap = pos + 1 if seen_word and text[pos] == " " else pos
            if gap < len(text):
                for off, length, lower in self._chunk(text[gap:]):
                    starts.append(gap + off)
                    lengths.append(length)
                    lowers.append(lower)
        return starts, lengths, lowers
