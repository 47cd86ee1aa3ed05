"""The fast engine: spaCy's tokenizer, a hash-table phrase matcher and ConText on plain offsets.

spaCy and medspacy spend most of their time per document building Span objects, running the
PhraseMatcher/Matcher over every token and ConText over every modifier pair of the document. Here
the only spaCy call is the (Cython) tokenizer; the token hashes go through one dictionary walk that
finds both phrase mentions and ConText triggers, and ConText runs only where a mention is, on the
sentences around it. The algorithm is medspacy's (see `context.py`) and the tokens, sentences and
rules are the same, so the results equal the spaCy engine's; a test checks that on the gold set.
"""

from bisect import bisect_right

from spacy.attrs import IDX, LENGTH, LOWER

from mlworker.ml.nlp.context import Match, Modifier, apply_context, prune_overlapping
from mlworker.ml.nlp.mentions import Analysis, Mention, ModifierHit
from mlworker.ml.nlp.phrases import Lexicon
from mlworker.ml.nlp.rules import ContextRuleDef, ContextRules
from mlworker.ml.nlp.sections import Segmenter, sentence_token_starts
from mlworker.ml.nlp.tokenizer import blank_english

_Entry = frozenset[tuple[str, str]]


def _prune_per_finding(found: list[Match[_Entry]]) -> list[Match[_Entry]]:
    """Each finding's phrases compete only with each other (longest wins), as one TargetMatcher per
    finding does; the survivors are merged into one target per span."""
    by_finding: dict[str, list[Match[tuple[str, str]]]] = {}
    for match in found:
        for pair in match.payload:
            by_finding.setdefault(pair[0], []).append(Match(pair, match.start, match.end))
    spans: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for matches in by_finding.values():
        for kept in prune_overlapping(matches):
            spans.setdefault((kept.start, kept.end), set()).add(kept.payload)
    return [Match(frozenset(pairs), start, end) for (start, end), pairs in sorted(spans.items())]


class FastEngine:
    name = "fast"

    def __init__(self, lexicon: Lexicon, rules: ContextRules, segmenter: Segmenter) -> None:
        nlp = blank_english()
        self._tokenizer = nlp.tokenizer
        strings = nlp.vocab.strings
        # first token hash -> lengths to try; (token hashes) -> target entry / rule
        self._targets: dict[tuple[int, ...], _Entry] = {}
        self._rules: dict[tuple[int, ...], ContextRuleDef] = {}
        self._lengths: dict[int, tuple[int, ...]] = {}
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

    def analyse(self, text: str) -> Analysis:
        sections, sentences = self._segmenter.segment(text)
        doc = self._tokenizer(text)
        if not len(doc):
            return Analysis(tuple(sections), ())
        columns = doc.to_array([IDX, LENGTH, LOWER]).tolist()
        lowers = [c[2] for c in columns]
        found: list[Match[_Entry]] = []
        triggers: list[Match[ContextRuleDef]] = []
        lengths_of, target_of, rule_of = self._lengths, self._targets, self._rules
        n = len(lowers)
        for i, word in enumerate(lowers):
            lengths = lengths_of.get(word)
            if lengths is None:
                continue
            for length in lengths:
                if i + length > n:
                    break
                key = tuple(lowers[i : i + length])
                entry = target_of.get(key)
                if entry is not None:
                    found.append(Match(entry, i, i + length))
                rule = rule_of.get(key)
                if rule is not None:
                    triggers.append(Match(rule, i, i + length))
        if not found:
            return Analysis(tuple(sections), ())
        targets = _prune_per_finding(found)
        triggers = prune_overlapping(triggers)
        starts = [c[0] for c in columns]
        bounds = sentence_token_starts(starts, sentences)
        ends = [*bounds[1:], n]

        def sentence_of(token: int) -> int:
            return bisect_right(bounds, token) - 1

        # Group targets and triggers into clusters of sentences that no scope can cross.
        clusters: list[list] = []  # [first_sentence, last_sentence, targets, triggers]
        items = [(sentence_of(m.start), sentence_of(m.end - 1), 0, m) for m in targets]
        for m in triggers:
            first, last = sentence_of(m.start), sentence_of(m.end - 1)
            if last != first:  # its forward scope is inverted and may touch the token after it
                last = sentence_of(min(m.end, n - 1))
            items.append((first, last, 1, m))
        items.sort(key=lambda it: (it[0], it[1], it[2], it[3].start, it[3].end))
        for first, last, kind, match in items:
            if clusters and first <= clusters[-1][1]:
                cluster = clusters[-1]
                cluster[1] = max(cluster[1], last)
            else:
                cluster = [first, last, [], []]
                clusters.append(cluster)
            cluster[2 + kind].append(match)
        mentions: list[Mention] = []
        for _, _, cluster_targets, cluster_triggers in clusters:
            if not cluster_targets:
                continue
            modifiers = []
            for m in sorted(cluster_triggers, key=lambda m: (m.start, m.end)):
                s = sentence_of(m.start)
                modifiers.append(Modifier(m.payload, m.start, m.end, bounds[s], ends[s]))
            spans = [(t.start, t.end) for t in cluster_targets]
            hits = apply_context(modifiers, spans) if modifiers else [[] for _ in spans]
            for target, target_hits in zip(cluster_targets, hits, strict=True):
                mentions.append(
                    Mention(
                        start=starts[target.start],
                        end=starts[target.end - 1] + columns[target.end - 1][1],
                        pairs=target.payload,
                        modifiers=tuple(
                            ModifierHit(
                                starts[h.start],
                                starts[h.end - 1] + columns[h.end - 1][1],
                                h.rule.category,
                                h.rule.direction,
                                h.rule.literal,
                            )
                            for h in target_hits
                        ),
                    )
                )
        mentions.sort(key=lambda m: (m.start, m.end))
        return Analysis(tuple(sections), tuple(mentions))
