"""The baseline the benchmark compares against: medspacy's default pipeline.

`medspacy.load()` -- PyRuSH sentences, one TargetMatcher, ConText with medspacy's default rules --
run with `nlp.pipe`, given our phrase lexicon as TargetRules (it has no vocabulary of findings of
its own), no section handling, and our aggregation (negated -> negative, possible/hypothetical ->
uncertain, CheXpert's report rule and No Finding rule) so its output is comparable value by value.
"""

from collections.abc import Iterable, Iterator

from layouts.label_schemas import get_schema
from ml.nlp.aggregate import assemble
from ml.nlp.engine_spacy import target_rule
from ml.nlp.mentions import Analysis, Mention, ModifierHit
from ml.nlp.phrases import load_lexicon
from ml.nlp.sections import PREAMBLE, Section


class MedspacyDefault:
    """medspacy.load() + our phrases as TargetRules; labels as a dict finding -> value."""

    def __init__(self, schema: str, flags: tuple[str, ...] = ()) -> None:
        import medspacy
        from loguru import logger
        from medspacy.target_matcher import TargetRule

        logger.disable("PyRuSH")  # PyRuSH logs every sentence at DEBUG level otherwise
        self.schema = get_schema(schema)
        self.findings = (*self.schema.findings, *flags)
        lexicon = load_lexicon(schema, None, flags)
        self.nlp = medspacy.load()
        self._labels: dict[str, frozenset[tuple[str, str]]] = {}
        rules = []
        for i, (tokens, pairs) in enumerate(sorted(lexicon.entries.items())):
            label = f"T{i}"
            self._labels[label] = pairs
            rules.append(target_rule(TargetRule, tokens, label))
        with self.nlp.select_pipes(disable=self.nlp.pipe_names):  # adding a literal runs nlp() on it
            self.nlp.get_pipe("medspacy_target_matcher").add(rules)

    def _values(self, doc) -> dict[str, str | None]:
        mentions = []
        for ent in doc.ents:
            hits = tuple(
                ModifierHit(
                    doc[m.modifier_span[0]].idx,
                    doc[m.modifier_span[1] - 1].idx + len(doc[m.modifier_span[1] - 1]),
                    m.category,
                    m.direction,
                    m.rule.literal,
                )
                for m in ent._.modifiers
            )
            mentions.append(Mention(ent.start_char, ent.end_char, self._labels[ent.label_], hits))
        text = doc.text
        whole = Section(PREAMBLE, PREAMBLE, 0, len(text), 0)
        values, _ = assemble(text, Analysis((whole,), tuple(mentions)), self.schema, self.findings)
        return dict(zip(self.findings, values, strict=True))

    def label_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[dict[str, str | None]]:
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield self._values(doc)

    def label(self, text: str) -> dict[str, str | None]:
        return self._values(self.nlp(text))
