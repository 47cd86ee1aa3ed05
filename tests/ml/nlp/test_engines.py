"""The fast engine reaches exactly the spaCy/medspacy engine's decisions, and its parts match medspacy.

- Analyses (mentions, their findings, ConText modifiers and offsets) are equal on every gold case
  and on generated reports.
- The fast engine's ConText pieces equal medspacy's own: the tokenizer (token for token), and
  prune_overlapping_matches (on random match lists).
"""

import random

import pytest

from ml.nlp.context import prune_overlapping
from ml.nlp.tokenizer import ChunkCachedTokenizer, blank_english
from synthetic.nlp_bench_reports import synthetic_reports
from tests.ml.nlp.conftest import get_labeler

pytest.importorskip("medspacy")


def _all_texts(gold_sets) -> list[str]:
    return [case.text for gold in gold_sets.values() for case in gold.cases]


@pytest.mark.parametrize("schema", ["chexpert", "chestxray14", "google4"])
def test_engines_agree_on_gold_and_generated_reports(schema, gold_sets) -> None:
    flags = gold_sets[schema].flags
    fast, reference = get_labeler(schema, flags), get_labeler(schema, flags, engine="spacy")
    texts = [c.text for c in gold_sets[schema].cases] + synthetic_reports(40, seed=11)
    mentions = 0
    for text in texts:
        ours, theirs = fast._engine.analyse(text), reference._engine.analyse(text)
        assert ours == theirs, text
        mentions += len(ours.mentions)
    for text in texts[::10]:
        assert fast.label(text) == reference.label(text)
    assert mentions > len(texts)  # the comparison covered real work, not empty analyses


def test_tokenizer_is_medspacys(gold_sets) -> None:
    import medspacy

    theirs = medspacy.load(medspacy_enable=["medspacy_tokenizer"]).tokenizer
    ours = blank_english().tokenizer
    for text in _all_texts(gold_sets) + synthetic_reports(50, seed=3):
        assert [(t.idx, t.text) for t in ours(text)] == [(t.idx, t.text) for t in theirs(text)]


def test_chunk_cached_tokenizer_gives_spacys_tokens(gold_sets) -> None:
    tokenizer = blank_english().tokenizer
    cached = ChunkCachedTokenizer(tokenizer)
    rng = random.Random(4)
    pieces = [
        " ",
        "  ",
        "\n",
        "\n\n",
        " \n",
        "\n ",
        "\t",
        "\xa0",
        "\r\n",
        "a.m.",
        "(e.g.",
        "can't",
        "cannot",
        "Dr.",
        "1.5cm",
        "effusion.",
        "s/p",
        "left>right",
        "-",
        "x",
        "\u3000",
        "http://x.org/a",
        "''",
    ]
    fuzz = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    for text in _all_texts(gold_sets) + synthetic_reports(30, seed=5) + fuzz:
        doc = tokenizer(text)
        expected = ([t.idx for t in doc], [len(t) for t in doc], [t.lower for t in doc])
        assert cached(text) == expected, repr(text)
        assert cached(text) == expected  # and again, from the cache


def test_prune_is_medspacys() -> None:
    from medspacy.common.util import prune_overlapping_matches

    rng = random.Random(0)
    for _ in range(2000):
        matches = []
        for i in range(rng.randint(0, 8)):
            start = rng.randint(0, 12)
            matches.append((i, start, start + rng.randint(1, 4)))
        theirs = prune_overlapping_matches(list(matches))
        ours = prune_overlapping([(s, e, i) for i, s, e in matches])
        assert [(i, s, e) for s, e, i in ours] == theirs
