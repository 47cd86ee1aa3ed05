"""The reference engine: medspacy's own TargetMatcher and ConText on a spaCy Doc.

It runs the same phrase lexicon and ConText rules through medspacy's components (spaCy Matcher,
`ConTextGraph`), with sentence boundaries set from our section-aware segmenter. It is slow (spaCy
Spans, the Matcher over every token, every modifier pair of the document) and exists to keep the
fast engine honest: a test asserts both engines give the same analysis on the gold set. medspacy
is imported only when this engine is built.
"""

from mlworker.ml.nlp.mentions import Analysis, Mention, ModifierHit
from mlworker.ml.nlp.phrases import Lexicon
from mlworker.ml.nlp.rules import ContextRules
from mlworker.ml.nlp.sections import Segmenter, sentence_token_starts


class SpacyEngine:
    name = "spacy"

    def __init__(self, lexicon: Lexicon, rules: ContextRules, segmenter: Segmenter) -> None:
        import medspacy
        from medspacy.context import ConTextRule
        from medspacy.target_matcher import TargetRule

        nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"])
        nlp.max_length = 10**8
        self._matcher = nlp.add_pipe("medspacy_target_matcher")
        self._context = nlp.add_pipe("medspacy_context", config={"rules": None})
        self._labels: dict[str, frozenset[tuple[str, str]]] = {}
        target_rules = []
        for i, (tokens, pairs) in enumerate(sorted(lexicon.entries.items())):
            label = f"T{i}"
            self._labels[label] = pairs
            target_rules.append(TargetRule(" ".join(tokens), label, pattern=[{"LOWER": t} for t in tokens]))
        self._matcher.add(target_rules)
        self._context.add(
            [
                ConTextRule(
                    r.literal,
                    r.category,
                    pattern=None if r.pattern is None else [dict(spec) for spec in r.pattern],
                    direction=r.direction,
                    max_scope=r.max_scope,
                    terminated_by=set(r.terminated_by),
                )
                for r in rules.rules
            ]
        )
        self._nlp = nlp
        self._segmenter = segmenter

    def analyse(self, text: str) -> Analysis:
        sections, sentences = self._segmenter.segment(text)
        doc = self._nlp.make_doc(text)
        starts = set(sentence_token_starts([t.idx for t in doc], sentences))
        for token in doc:
            token.is_sent_start = token.i in starts
        doc = self._context(self._matcher(doc))
        mentions = []
        for ent in doc.ents:
            hits = []
            for modifier in ent._.modifiers:
                first, last = modifier.modifier_span
                hits.append(
                    ModifierHit(
                        doc[first].idx,
                        doc[last - 1].idx + len(doc[last - 1]),
                        modifier.category,
                        modifier.direction,
                        modifier.rule.literal,
                    )
                )
            mentions.append(Mention(ent.start_char, ent.end_char, self._labels[ent.label_], tuple(hits)))
        mentions.sort(key=lambda m: (m.start, m.end))
        return Analysis(tuple(sections), tuple(mentions))
