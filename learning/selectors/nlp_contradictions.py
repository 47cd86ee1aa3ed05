"""Where the radiologists' final labels contradict the NLP labels, grouped by the rule that fired.

The loop that makes the labeler better from Arbiter's own work: for a dataset, every published
final label (adjudicated, the item done) that disagrees with the NLP label of the same image and
finding -- for one NLP pipeline version, the newest by default -- grouped by what made the NLP
say what it said, so an admin sees which phrase or ConText rule to fix first.

Presence decides a contradiction, as the labeler is scored (`ml.nlp.presence`):
- `nlp_present`: NLP positive, final negative -- the phrase or a missed cue is to blame;
- `nlp_absent`: NLP negative, uncertain or blank, final positive -- the cue that negated or hedged
  it, or, for a blank, no phrase of the finding matched ("no mention").
A final uncertain label says nothing either way and is left out; NLP blank against final negative
agrees. The group key is the deciding evidence's rule: "phrase 'airspace disease'" for a plain
mention, the cue ("NEGATED_EXISTENCE 'no'") otherwise; No Finding, derived from the other
findings, has a group of its own (`DERIVED`). A report is listed once per group however
many of its study's images carry the label.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max

from annotations.errors import NotFoundError
from annotations.models import Dataset, Label, Report
from annotations.models.choices import LabelSource, LabelValue
from annotations.selectors.final_labels import published_final_labels
from layouts.label_schemas import NO_FINDING

NLP_PRESENT = "nlp_present"
NLP_ABSENT = "nlp_absent"
NO_MENTION = "no mention"
DERIVED = "No Finding rule (derived from the other findings)"
CONTEXT_CHARS = 80


@dataclass
class ContradictionGroup:
    finding: str
    kind: str  # NLP_PRESENT / NLP_ABSENT
    rule: str
    count: int = 0  # reports in the group
    reports: list[dict] = field(default_factory=list)  # the first `examples` of them


@dataclass(frozen=True)
class Contradictions:
    dataset_id: int
    nlp_version: str | None
    compared: int  # (image, finding) pairs with both a final and an NLP label
    contradicted: int  # of which the final label contradicts the NLP one
    groups: list[ContradictionGroup]


def newest_nlp_version(dataset: Dataset) -> str | None:
    """The NLP pipeline version whose labels on the dataset were written last."""
    row = (
        Label.objects.filter(image__dataset=dataset, source=LabelSource.NLP)
        .values("source_version")
        .annotate(last=Max("created_at"))
        .order_by("-last")
        .first()
    )
    return row["source_version"] if row else None


def rule_key(item: dict) -> str:
    """The group name of one evidence item: the phrase for a plain mention, else the rule."""
    rule, text = item.get("rule") or "mention", (item.get("text") or "").lower()
    if rule == "mention":
        return f"phrase '{text}'"
    if rule.startswith("["):  # "[negative] phrase"
        return f"{rule} '{text}'"
    return rule.lower() if "'" not in rule else _lower_quoted(rule)


def _lower_quoted(rule: str) -> str:
    """ "NEGATED_EXISTENCE 'No'; POSSIBLE_EXISTENCE 'May be'" -> quoted cue texts lower-cased."""
    parts = rule.split("'")
    return "'".join(p.lower() if i % 2 else p for i, p in enumerate(parts))


def _kind(nlp_value: str, final_value: str) -> str | None:
    if final_value == LabelValue.NEGATIVE and nlp_value == LabelValue.POSITIVE:
        return NLP_PRESENT
    if final_value == LabelValue.POSITIVE and nlp_value != LabelValue.POSITIVE:
        return NLP_ABSENT
    return None


def _context(text: str, item: dict) -> str:
    start, end = int(item.get("start", 0)), int(item.get("end", 0))
    return text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]


def nlp_contradictions(
    dataset: Dataset,
    *,
    nlp_version: str | None = None,
    finding: str | None = None,
    examples: int = 20,
) -> Contradictions:
    """Contradicted NLP labels of `dataset`, grouped, largest group first (at most `examples`
    reports listed per group; `count` is the whole group)."""
    version = nlp_version or newest_nlp_version(dataset)
    if (
        nlp_version
        and not Label.objects.filter(
            image__dataset=dataset, source=LabelSource.NLP, source_version=nlp_version
        ).exists()
    ):
        raise NotFoundError(f"dataset {dataset.slug!r} has no NLP labels of version {nlp_version!r}")
    finals = published_final_labels(dataset, findings=[finding] if finding else None).filter(
        value__in=[LabelValue.POSITIVE, LabelValue.NEGATIVE]
    )
    final_of = {
        (img, fid): (key, value)
        for img, fid, key, value in finals.values_list("image_id", "finding_id", "finding__key", "value")
    }
    groups: dict[tuple[str, str, str], ContradictionGroup] = {}
    seen: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    compared = contradicted = 0
    if version is None or not final_of:
        return Contradictions(dataset.pk, version, 0, 0, [])
    nlp = Label.objects.filter(
        source=LabelSource.NLP, source_version=version, image_id__in=finals.values("image_id")
    ).values_list("image_id", "finding_id", "value", "evidence", "image__study_id")
    for image_id, finding_id, value, evidence, study_id in nlp.iterator():
        final = final_of.get((image_id, finding_id))
        if final is None:
            continue
        compared += 1
        key, final_value = final
        kind = _kind(value, final_value)
        if kind is None:
            continue
        contradicted += 1
        deciding = [e for e in evidence or [] if e.get("value") == value]
        rules = sorted({rule_key(e) for e in deciding}) or [DERIVED if key == NO_FINDING else NO_MENTION]
        for rule in rules:
            group_key = (key, kind, rule)
            if study_id in seen[group_key]:
                continue
            seen[group_key].add(study_id)
            group = groups.setdefault(group_key, ContradictionGroup(key, kind, rule))
            group.count += 1
            if len(group.reports) < examples:
                row = {"study_id": study_id, "image_id": image_id, "nlp_value": value}
                group.reports.append(row | {"final_value": final_value, "evidence": deciding})
    _with_report_text(groups.values())
    ordered = sorted(groups.values(), key=lambda g: (-g.count, g.finding, g.kind, g.rule))
    return Contradictions(dataset.pk, version, compared, contradicted, ordered)


def _with_report_text(groups: Iterable[ContradictionGroup]) -> None:
    """Each listed report gets its id and, per evidence span, the report text around it."""
    studies = {row["study_id"] for g in groups for row in g.reports}
    reports = {
        study_id: (pk, text)
        for pk, study_id, text in Report.objects.filter(study_id__in=studies).values_list(
            "id", "study_id", "text"
        )
    }
    for group in groups:
        for row in group.reports:
            report_id, text = reports.get(row["study_id"], (None, ""))
            row["report_id"] = report_id
            row["evidence"] = [
                {
                    "start": e.get("start"),
                    "end": e.get("end"),
                    "text": e.get("text"),
                    "rule": e.get("rule"),
                    "context": _context(text, e),
                }
                for e in row["evidence"]
            ]
