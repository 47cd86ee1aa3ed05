"""From an engine's analysis to one value per finding: sections, mention values, CheXpert's rule.

- A mention in an [ignore] section (INDICATION, HISTORY, COMPARISON...) is skipped.
- A mention's value: an [exclude] phrase is no mention; a [negative]/[uncertain] phrase has that
  value; otherwise NEGATED_EXISTENCE -> negative, else POSSIBLE_EXISTENCE or HYPOTHETICAL ->
  uncertain, else positive (HISTORICAL changes nothing; FAMILY drops the mention). Negation wins
  over uncertainty on one mention because the double negatives that mean "uncertain" ("cannot be
  excluded", "not ruled out") are rules of their own, longer than the "not" inside them.
- The hedges that lean towards present -- PROBABLE_EXISTENCE ("probable", "likely", "suggestive
  of", "A versus B") and [probable] phrases ("borderline heart size") -- take the schema's
  `PROBABLE_VALUE`: uncertain (-1) in the CheXpert schema, as the CheXpert labeler has them, and
  positive in ChestX-ray14's, whose human coding (Open-i; NegBio and the ChestX-ray14 labeller were
  evaluated on it) counts "borderline cardiomegaly" and "atelectasis versus pneumonia" present and
  only the weak hedges ("may represent", "possible", "cannot be excluded") absent.
- A report's value per finding (the CheXpert labeler's aggregation): any positive mention ->
  positive, else any uncertain -> uncertain, else any negative -> negative, else blank.
- No Finding (where the schema has it): positive when the report has labelled text and no other
  finding, Support Devices and flags aside, is positive or uncertain; blank otherwise. A schema
  whose phrase folder has a file for No Finding (`chestxray14/no_finding.txt`) lists there the
  other abnormalities that make a report not normal (a granuloma, a fracture, degenerative change);
  one of them positive or uncertain leaves No Finding blank too. They are no label of their own
  and no evidence (the Open-i "normal" coding: a report with any abnormality is not normal).
"""

from layouts.label_schemas import NO_FINDING, SchemaDef
from ml.nlp.labels import NEGATIVE, POSITIVE, UNCERTAIN
from ml.nlp.mentions import Analysis, Mention
from ml.nlp.phrases import EXCLUDE, FLAGS, MENTION
from ml.nlp.phrases import NEGATIVE as NEGATIVE_KIND
from ml.nlp.phrases import PROBABLE as PROBABLE_KIND
from ml.nlp.phrases import UNCERTAIN as UNCERTAIN_KIND
from ml.nlp.rules import FAMILY, HYPOTHETICAL, NEGATED, POSSIBLE, PROBABLE
from ml.nlp.sections import section_at

NOT_PATHOLOGY = frozenset({"Support Devices", NO_FINDING, *FLAGS})
_CUE_CATEGORIES = frozenset({NEGATED, POSSIBLE, PROBABLE, HYPOTHETICAL})
# What a "probable" hedge means per schema (default: uncertain). See the module docstring.
PROBABLE_VALUE: dict[str, str] = {"chestxray14": POSITIVE}
_RANK = {POSITIVE: 3, UNCERTAIN: 2, NEGATIVE: 1}


def mention_value(kind: str, mention: Mention, probable: str = UNCERTAIN) -> str | None:
    if kind == EXCLUDE:
        return None
    if kind == NEGATIVE_KIND:
        return NEGATIVE
    if kind == UNCERTAIN_KIND:
        return UNCERTAIN
    if kind == PROBABLE_KIND:
        return probable
    categories = {m.category for m in mention.modifiers}
    if FAMILY in categories:
        return None
    if NEGATED in categories:
        return NEGATIVE
    if POSSIBLE in categories or HYPOTHETICAL in categories:
        return UNCERTAIN
    if PROBABLE in categories:
        return probable
    return POSITIVE


def combine(values: list[str | None]) -> str | None:
    """CheXpert's report-level rule: positive beats uncertain beats negative; None if no mention."""
    best = None
    for value in values:
        if value is not None and (best is None or _RANK[value] > _RANK[best]):
            best = value
    return best


def assemble(
    text: str, analysis: Analysis, schema: SchemaDef, findings: tuple[str, ...]
) -> tuple[tuple[str | None, ...], tuple[tuple[tuple, ...], ...]]:
    """Values and evidence for `findings` (schema findings in order, then flags).

    Evidence comes as plain tuples in Evidence's field order, cues in Cue's (see labels.py).
    """
    sections = list(analysis.sections)
    probable = PROBABLE_VALUE.get(schema.key, UNCERTAIN)
    evidence: dict[str, list[tuple]] = {}
    for mention in analysis.mentions:
        section = section_at(sections, mention.start)
        if not section.labelled:
            continue
        span = None
        for finding, kind in mention.pairs:
            value = mention_value(kind, mention, probable)
            if value is None:
                continue
            if span is None:
                span = text[mention.start : mention.end]
            cues = tuple(
                (m.start, m.end, text[m.start : m.end], m.category, m.literal)
                for m in mention.modifiers
                if kind == MENTION and m.category in _CUE_CATEGORIES
            )
            evidence.setdefault(finding, []).append(
                (mention.start, mention.end, span, value, section.name, kind, cues)
            )
    other = evidence.pop(NO_FINDING, ())  # other abnormalities, where the schema lists them
    values = {f: combine([e[3] for e in found]) for f, found in evidence.items()}
    if NO_FINDING in schema.derived and NO_FINDING in findings:
        abnormal = any(v in (POSITIVE, UNCERTAIN) for f, v in values.items() if f not in NOT_PATHOLOGY)
        abnormal = abnormal or any(e[3] in (POSITIVE, UNCERTAIN) for e in other)
        has_text = not abnormal and any(s.labelled and s.has_text(text) for s in sections)
        values[NO_FINDING] = POSITIVE if has_text and not abnormal else None
    return (
        tuple(values.get(f) for f in findings),
        tuple(tuple(evidence.get(f, ())) for f in findings),
    )
