"""The fast engine: a hash-table phrase matcher and ConText on plain token offsets, per sentence.

ConText is a sentence-level algorithm, so both engines analyse each sentence of a labelled section
on its own (sections and sentences come from `sections.py`; sentences in INDICATION, HISTORY...
are skipped). spaCy and medspacy spend most of their time building Doc and Span objects, running
the Matcher over every token and ConText's graph; here the only spaCy call is the tokenizer (behind
a per-chunk cache, see tokenizer.py), the token hashes go through one dictionary walk that finds
both phrase mentions and ConText triggers, and ConText is medspacy's algorithm on plain offsets
(`context.py`). Reports repeat sentences ("No pneumothorax.") so a sentence's analysis, which
depends on its text alone, is memoised (`cache_size` sentences, 0 to turn it off). The tokens,
sentences and rules are those of the spaCy engine, so the results are equal; a test checks that.
"""

from ml.nlp.context import Match, Modifier, apply_context, prune_overlapping
from ml.nlp.mentions import Analysis, Mention, ModifierHit
from ml.nlp.phrases import Lexicon
from ml.nlp.rules import ContextRuleDef, ContextRules
from ml.nlp.sections import Segmenter
from ml.nlp.tokenizer import ChunkCachedTokenizer, blank_english

_Entry = frozenset[tuple[str, str]]


def _prune_per_finding(found: list[Match]) -> list[Match]:
    """Each finding's phrases compete only with each other (longest wins), as one TargetMatcher per
    finding does; the survivors are merged into one target per span."""
    by_finding: dict[str, list[Match]] = {}
    for start, end, pairs in found:
        for pair in pairs:
            by_finding.setdefault(pair[0], []).append((start, end, pair))
    spans: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for matches in by_finding.values():
        for start, end, pair in prune_overlapping(matches):
            spans.setdefault((start, end), set()).add(pair)
    return [(start, end, frozenset(pairs)) for (start, end), pairs in sorted(spans.items())]


class FastEngine:
    name = "fast"

    def __init__(
        self, lexicon: Lexicon, rules: ContextRules, segmenter: Segmenter, cache_size: int = 100_000
    ) -> None:
        nlp = blank_english()
        self._tokenizer = ChunkCachedTokenizer(nlp.tokenizer)
        strings = nlp.vocab.strings
        # (token hashes) -> target entry / rule; first token hash -> sequence lengths to try
        self._targets: dict[tuple[int, ...], _Entry] = {}
        self._rules: dict[tuple[int, ...], ContextRuleDef] = {}
        lengths: dict[int, set[int]] = {}
        for tokens, pairs in lexicon.entries.items():
            key = tuple(strings.add(t) for t in tokens)
            self._targets[key] = pairs
            lengths.setdefault(key[0], set()).add(len(key))
        for rule in rules.rules:
            for tokens in rule.token_sequences():
                key = tuple(strings.add(t) for t in tokens)
                self._rules.setdefault(key, rule)
                lengths.setdefault(key[0], set()).add(len(key))
        self._lengths = {k: tuple(sorted(v)) for k, v in lengths.items()}
        self._segmenter = segmenter
        self._cache: dict[str, tuple] = {}
        self._cache_size = cache_size

    def analyse(self, text: str) -> Analysis:
        sections, sentences = self._segmenter.segment(text, labelled_only=True)
        mentions: list[Mention] = []
        cache = self._cache
        for sentence in sentences:
            words = text[sentence.start : sentence.end]
            found = cache.get(words)
            if found is None:
                if len(cache) >= self._cache_size:
                    cache.clear()
                found = self._analyse_sentence(words)
                if self._cache_size:
                    cache[words] = found
            if found:
                base = sentence.start
                for start, end, pairs, hits in found:
                    mentions.append(
                        Mention(
                            base + start,
                            base + end,
                            pairs,
                            tuple(ModifierHit(base + a, base + b, c, d, e) for a, b, c, d, e in hits),
                        )
                    )
        return Analysis(tuple(sections), tuple(mentions))

    def _analyse_sentence(self, sentence: str) -> tuple:
        """Mentions of one sentence as (start, end, pairs, hits) with offsets into the sentence."""
        starts, lengths, lowers = self._tokenizer(sentence)
        n = len(lowers)
        sizes_of, target_of, rule_of = self._lengths, self._targets, self._rules
        found: list[Match] = []
        triggers: list[Match] = []
        for i in [i for i, word in enumerate(lowers) if word in sizes_of]:
            for size in sizes_of[lowers[i]]:
                j = i + size
                if j > n:
                    break
                key = tuple(lowers[i:j])
                entry = target_of.get(key)
                if entry is not None:
                    found.append((i, j, entry))
                rule = rule_of.get(key)
                if rule is not None:
                    triggers.append((i, j, rule))
        if not found:
            return ()
        targets = _prune_per_finding(found)
        modifiers = [Modifier(rule, i, j, 0, n) for i, j, rule in prune_overlapping(triggers)]
        spans = [(t[0], t[1]) for t in targets]
        hits = apply_context(modifiers, spans) if modifiers else [()] * len(spans)
        return tuple(
            (
                starts[i],
                starts[j - 1] + lengths[j - 1],
                pairs,
                tuple(
                    (
                        starts[h.start],
                        starts[h.end - 1] + lengths[h.end - 1],
                        h.rule.category,
                        h.rule.direction,
                        h.rule.literal,
                    )
                    for h in target_hits
                ),
            )
            for (i, j, pairs), target_hits in zip(targets, hits, strict=True)
        )
