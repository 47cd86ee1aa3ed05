"""The one tokenizer both engines share: spaCy's English tokenizer with medspacy's clinical infixes.

It reproduces `medspacy.custom_tokenizer.create_medspacy_tokenizer` (every punctuation mark except
the period splits a token: "c/o" -> "c", "/", "o") without importing medspacy, whose import pulls in
QuickUMLS and takes seconds. A test checks token for token that it equals medspacy's own tokenizer.
Both engines tokenize with it, so phrase and rule matching see the same tokens in both.
"""

import re
import string
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex


def build_tokenizer(nlp: Language) -> Tokenizer:
    """The medspacy tokenizer for `nlp`'s vocabulary (same rules as medspacy 1.3.1)."""
    punctuation = string.punctuation.replace(".", "")
    infixes = [*nlp.Defaults.infixes, rf"[{re.escape(punctuation)}]"]
    return Tokenizer(
        nlp.vocab,
        nlp.Defaults.tokenizer_exceptions.copy(),
        prefix_search=compile_prefix_regex(nlp.Defaults.prefixes).search,
        suffix_search=compile_suffix_regex(nlp.Defaults.suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=nlp.tokenizer.token_match,
    )


@lru_cache(maxsize=1)
def blank_english() -> Language:
    """A blank English pipeline whose tokenizer is the medspacy one (shared per process)."""
    nlp = spacy.blank("en")
    nlp.tokenizer = build_tokenizer(nlp)
    return nlp


def phrase_tokens(text: str) -> tuple[str, ...]:
    """Lower-cased tokens of a phrase, as medspacy's PhraseMatcher (attr LOWER) sees a literal."""
    nlp = blank_english()
    return tuple(t.lower_ for t in nlp.tokenizer(text.lower()))
