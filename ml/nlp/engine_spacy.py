"""The reference engine: medspacy's own TargetMatcher and ConText on a spaCy Doc per sentence.

It runs the same phrase lexicon and ConText rules through medspacy's components (spaCy Matcher,
`ConTextGraph`), one TargetMatcher per finding, on each sentence of a labelled section as its own
Doc (sentences from our section-aware segmenter). It is slow and exists to keep the fast engine
honest: a test asserts both engines give the same analysis on the gold set. medspacy is imported
only when this engine is built.
"""

import warnings
from typing import Any

from ml.nlp.mentions import Analysis, Mention, ModifierHit
from ml.nlp.phrases import Lexicon
from ml.nlp.rules import ContextRules
from ml.nlp.sections import Segmenter
from ml.nlp.tokenizer import phrase_tokens

GROUP = "arbiter_targets"


def target_rule(rule_class: type, tokens: tuple[str, ...], label: str) -> Any:
    """A medspacy TargetRule for a token sequence: a literal (spaCy's fast PhraseMatcher) when
    the literal tokenizes back to exactly these tokens, else a token pattern (the Matcher)."""
    literal = " ".join(tokens)
    if phrase_tokens(literal) == tokens:
        return rule_class(literal, label)
    return rule_class(literal, label, pattern=[{"LOWER": t} for t in tokens])


class SpacyEngine:
    name = "spacy"

    def __init__(self, lexicon: Lexicon, rules: ContextRules, segmenter: Segmenter) -> None:
        import medspacy
        from medspacy.context import ConTextRule
        from medspacy.target_matcher import TargetRule

        nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"])
        nlp.max_length = 10**8
        # One TargetMatcher per finding, so that a finding's phrases compete (longest wins) only
        # with each other; all write into one span group, which ConText reads.
        by_finding: dict[str, list] = {}
        for tokens, pairs in sorted(lexicon.entries.items()):
            for finding, kind in sorted(pairs):
                rule = target_rule(TargetRule, tokens, f"{finding}\t{kind}")
                by_finding.setdefault(finding, []).append(rule)
        self._matchers = []
        for i, (_, target_rules) in enumerate(sorted(by_finding.items())):
            matcher = nlp.add_pipe(
                "medspacy_target_matcher",
                name=f"targets_{i}",
                config={"result_type": "group", "span_group_name": GROUP},
            )
            with nlp.select_pipes(disable=nlp.pipe_names):  # adding a literal runs nlp() on it
                matcher.add(target_rules)
            self._matchers.append(matcher)
        self._context = nlp.add_pipe(
            "medspacy_context", config={"rules": None, "input_span_type": "group", "span_group_name": GROUP}
        )
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
        sections, sentences = self._segmenter.segment(text, labelled_only=True)
        mentions: list[Mention] = []
        for sentence in sentences:
            mentions += self._analyse_sentence(text[sentence.start : sentence.end], sentence.start)
        return Analysis(tuple(sections), tuple(mentions))

    def _analyse_sentence(self, sentence: str, base: int) -> list[Mention]:
        doc = self._nlp.make_doc(sentence)
        for token in doc:
            token.is_sent_start = token.i == 0
        doc.spans[GROUP] = []
        with warnings.catch_warnings():
            # W036: a matcher with only literal rules has an empty token-pattern Matcher; harmless.
            warnings.filterwarnings("ignore", message=r"\[W036\]")
            for matcher in self._matchers:
                doc = matcher(doc)
            doc = self._context(doc)
        spans: dict[tuple[int, int], tuple[set[tuple[str, str]], list]] = {}
        for span in doc.spans[GROUP]:
            finding, kind = span.label_.split("\t")
            pairs, hits = spans.setdefault((span.start, span.end), (set(), []))
            pairs.add((finding, kind))
            if hits:
                continue
            for modifier in span._.modifiers:
                first, last = modifier.modifier_span
                hits.append(
                    ModifierHit(
                        base + doc[first].idx,
                        base + doc[last - 1].idx + len(doc[last - 1]),
                        modifier.category,
                        modifier.direction,
                        modifier.rule.literal,
                    )
                )
        mentions = []
        for (start, end), (pairs, hits) in sorted(spans.items()):
            span = doc[start:end]
            mentions.append(
                Mention(base + span.start_char, base + span.end_char, frozenset(pairs), tuple(hits))
            )
        return mentions
