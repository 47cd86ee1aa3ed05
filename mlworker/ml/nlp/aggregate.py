"""From an engine's analysis to one value per finding: sections, mention values, CheXpert's rule.

- A mention in an [ignore] section (INDICATION, HISTORY, COMPARISON...) is skipped.
- A mention's value: an [exclude] phrase is no mention; a [negative]/[uncertain] phrase has that
  value; otherwise NEGATED_EXISTENCE -> negative, else POSSIBLE_EXISTENCE or HYPOTHETICAL ->
  uncertain, else positive (HISTORICAL changes nothing; FAMILY drops the mention). Negation wins
  over uncertainty on one mention because the double negatives that mean "uncertain" ("cannot be
  excluded", "not ruled out") are rules of their own, longer than the "not" inside them.
- A report's value per finding (the CheXpert labeler's aggregation): any positive mention ->
  positive, else any uncertain -> uncertain, else any negative -> negative, else blank.
- No Finding (where the schema has it): positive when the report has labelled text and no other
  finding, Support Devices and flags aside, is positive or uncertain; blank otherwise.
"""

from mlworker.ml.label_schemas import NO_FINDING, SchemaDef
from mlworker.ml.nlp.labels import NEGATIVE, POSITIVE, UNCERTAIN, Cue, Evidence, FindingLabel
from mlworker.ml.nlp.mentions import Analysis, Mention
from mlworker.ml.nlp.phrases import EXCLUDE, FLAGS, MENTION
from mlworker.ml.nlp.phrases import NEGATIVE as NEGATIVE_KIND
from mlworker.ml.nlp.phrases import UNCERTAIN as UNCERTAIN_KIND
from mlworker.ml.nlp.rules import FAMILY, HYPOTHETICAL, NEGATED, POSSIBLE
from mlworker.ml.nlp.sections import section_at

NOT_PATHOLOGY = frozenset({"Support Devices", *FLAGS})
_RANK = {POSITIVE: 3, UNCERTAIN: 2, NEGATIVE: 1}


def mention_value(kind: str, mention: Mention) -> str | None:
    if kind == EXCLUDE:
        return None
    if kind == NEGATIVE_KIND:
        return NEGATIVE
    if kind == UNCERTAIN_KIND:
        return UNCERTAIN
    categories = {m.category for m in mention.modifiers}
    if FAMILY in categories:
        return None
    if NEGATED in categories:
        return NEGATIVE
    if POSSIBLE in categories or HYPOTHETICAL in categories:
        return UNCERTAIN
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
) -> list[FindingLabel]:
    """FindingLabels for `findings` (schema findings in order, then flags)."""
    sections = list(analysis.sections)
    evidence: dict[str, list[Evidence]] = {f: [] for f in findings}
    for mention in analysis.mentions:
        section = section_at(sections, mention.start)
        if not section.labelled:
            continue
        for finding, kind in sorted(mention.pairs):
            if finding not in evidence:
                continue
            value = mention_value(kind, mention)
            if value is None:
                continue
            cues = tuple(
                Cue(m.start, m.end, text[m.start : m.end], m.category, m.literal)
                for m in mention.modifiers
                if kind == MENTION and m.category in (NEGATED, POSSIBLE, HYPOTHETICAL)
            )
            span = text[mention.start : mention.end]
            evidence[finding].append(
                Evidence(mention.start, mention.end, span, value, section.name, kind, cues)
            )
    values = {f: combine([e.value for e in evidence[f]]) for f in findings}
    if NO_FINDING in schema.derived and NO_FINDING in values:
        has_text = any(s.labelled and s.has_text(text) for s in sections)
        abnormal = any(values[f] in (POSITIVE, UNCERTAIN) for f in findings if f not in NOT_PATHOLOGY)
        values[NO_FINDING] = POSITIVE if has_text and not abnormal else None
    return [FindingLabel(f, values[f], tuple(evidence[f])) for f in findings]
