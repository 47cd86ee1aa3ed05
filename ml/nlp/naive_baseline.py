"""The naive baseline every real-report figure is measured beside: medspacy's defaults, few phrases.

`medspacy.load()` as shipped -- PyRuSH sentences, the TargetMatcher, ConText with medspacy's default
rules -- given about 35 target phrases for the 14 ChestX-ray14 findings (the obvious word or two
per finding, nothing tuned), reading the report's FINDINGS and IMPRESSION (the text a reader of the
report would label) -- or, with `whole_report`, the report as given, INDICATION and COMPARISON
too. A mention is present unless ConText marks it negated, possible, hypothetical, historical or
family. medspacy is imported when a baseline is built (it takes seconds), never by
the labeler itself.
"""

from collections.abc import Iterable, Iterator
from functools import lru_cache

from ml.nlp.labels import NEGATIVE, POSITIVE
from ml.nlp.sections import DEFAULT_SECTIONS_FILE, SectionRules, Segmenter

NAIVE_PHRASES: dict[str, tuple[str, ...]] = {
    "Atelectasis": ("atelectasis", "atelectatic", "collapse"),
    "Cardiomegaly": ("cardiomegaly", "enlarged heart", "cardiac enlargement"),
    "Effusion": ("effusion", "effusions", "pleural effusion", "pleural fluid"),
    "Infiltration": ("infiltrate", "infiltrates", "infiltration"),
    "Mass": ("mass", "masses"),
    "Nodule": ("nodule", "nodules"),
    "Pneumonia": ("pneumonia",),
    "Pneumothorax": ("pneumothorax",),
    "Consolidation": ("consolidation", "consolidations"),
    "Edema": ("edema", "pulmonary edema"),
    "Emphysema": ("emphysema", "copd"),
    "Fibrosis": ("fibrosis", "fibrotic"),
    "Pleural_Thickening": ("pleural thickening", "thickened pleura"),
    "Hernia": ("hernia", "hiatal hernia"),
}
_NOT_PRESENT = frozenset({"NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "FAMILY"})


def labelled_text(text: str) -> str:
    """The FINDINGS/IMPRESSION text of a report (all of it when it has no such sections)."""
    _sections, sentences = _segmenter().segment(text, labelled_only=True)
    return " ".join(text[s.start : s.end] for s in sentences if s.start >= s.section.body_start)


@lru_cache(maxsize=1)
def _segmenter() -> Segmenter:
    return Segmenter(SectionRules.load(DEFAULT_SECTIONS_FILE))


class NaiveMedspacy:
    """medspacy.load() with NAIVE_PHRASES; `label_many` gives finding -> positive/negative/None."""

    def __init__(self, findings: Iterable[str] = tuple(NAIVE_PHRASES), *, whole_report: bool = False) -> None:
        import medspacy
        from loguru import logger
        from medspacy.target_matcher import TargetRule

        logger.disable("PyRuSH")  # PyRuSH logs every sentence at DEBUG level otherwise
        self.findings = tuple(f for f in findings if f in NAIVE_PHRASES)
        self.whole_report = whole_report  # read INDICATION and COMPARISON too (the naivest reading)
        self.nlp = medspacy.load()
        rules = [TargetRule(p, f) for f in self.findings for p in NAIVE_PHRASES[f]]
        with self.nlp.select_pipes(disable=self.nlp.pipe_names):  # adding a literal runs nlp() on it
            self.nlp.get_pipe("medspacy_target_matcher").add(rules)

    @property
    def n_phrases(self) -> int:
        return sum(len(NAIVE_PHRASES[f]) for f in self.findings)

    def _values(self, doc) -> dict[str, str | None]:
        values: dict[str, str | None] = dict.fromkeys(self.findings)
        for ent in doc.ents:
            categories = {m.category for m in ent._.modifiers}
            if categories & _NOT_PRESENT:
                values[ent.label_] = values[ent.label_] or NEGATIVE
            else:
                values[ent.label_] = POSITIVE
        return values

    def label_many(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[dict[str, str | None]]:
        read = (lambda t: t) if self.whole_report else labelled_text
        for doc in self.nlp.pipe((read(t) for t in texts), batch_size=batch_size):
            yield self._values(doc)
