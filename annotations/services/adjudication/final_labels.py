"""Writing final (adjudicated) labels with their provenance, and completing an item.

A final label is Label(source=adjudicated, source_version="1") plus a LabelProvenance saying how
it was reached, by which readers in which rounds with which values, and when. Final labels are
never updated: a correction writes version n+1 (annotations.services.adjudication.corrections).
"""

from dataclasses import dataclass

from django.utils import timezone

from annotations.models import AdjudicationCase, Label, LabelProvenance, WorkItem
from annotations.models.choices import HowReached, LabelSource, LabelValue, WorkState
from annotations.selectors.final_labels import current_final_labels
from annotations.selectors.read_values import SchemaQuestions
from annotations.selectors.reads import ReadHistory
from annotations.services.audit import audit_record
from layouts.label_schemas import SCHEMAS

# From least to most contested: a derived label or an image row takes the most contested of its inputs.
HOW_REACHED_ORDER: tuple[str, ...] = (
    HowReached.IMPORTED,
    HowReached.UNANIMOUS,
    HowReached.CONSENSUS,
    HowReached.MAJORITY,
    HowReached.ADJUDICATOR,
    HowReached.CORRECTION,
)


def most_contested(values) -> str:
    return max(values, key=HOW_REACHED_ORDER.index)


@dataclass(frozen=True)
class Decision:
    answer: str
    how_reached: str
    rounds: int
    decided_by: object = None
    reason: str = ""


def finalise(
    *,
    item: WorkItem,
    q: SchemaQuestions,
    history: ReadHistory,
    decisions: dict[str, Decision],
    actor=None,
) -> list[Label]:
    """Write the final labels of the decided questions (the caller holds the item's row lock)."""
    now = timezone.now()
    first_read_at = history.first_read_at()
    written = []
    for question, decision in decisions.items():
        readers = history.provenance(q, question)
        for key, value in q.expand(question, decision.answer).items():
            label = Label.objects.create(
                image_id=item.image_id,
                finding=q.findings[key],
                source=LabelSource.ADJUDICATED,
                source_version="1",
                value=value,
            )
            LabelProvenance.objects.create(
                label=label,
                how_reached=decision.how_reached,
                rounds=decision.rounds,
                readers=readers,
                decided_by=decision.decided_by,
                reason=decision.reason,
                first_read_at=first_read_at,
                decided_at=now,
            )
            written.append(label)
    if written:
        audit_record(
            actor=actor,
            action="labels.finalise",
            obj=item,
            dataset=item.dataset,
            after={
                lb.finding.key: {"value": lb.value, "how_reached": lb.provenance.how_reached}
                for lb in written
            },
        )
    complete_if_final(item=item, q=q, actor=actor)
    return written


def _implied_labels(*, item: WorkItem, current: dict[str, Label]) -> list[Label]:
    """The schema's implied findings (see layouts.label_schemas.Implied) that their votes left
    negative but the rule makes positive, written as a new version of the voted label: the vote
    stays in the history, the current label follows the rule, and its reason says so."""
    definition = SCHEMAS.get(item.dataset.schema.key)
    written = []
    for rule in definition.implied if definition else ():
        voted = current.get(rule.finding)
        if voted is None or voted.value == LabelValue.POSITIVE:
            continue
        if current[rule.when].value != LabelValue.POSITIVE:
            continue
        if any(current[k].value == LabelValue.POSITIVE for k in rule.unless):
            continue
        inputs = [voted.provenance, current[rule.when].provenance]
        label = Label.objects.create(
            image_id=item.image_id,
            finding=voted.finding,
            source=LabelSource.ADJUDICATED,
            source_version=str(int(voted.source_version) + 1),
            value=LabelValue.POSITIVE,
        )
        LabelProvenance.objects.create(
            label=label,
            how_reached=most_contested(p.how_reached for p in inputs),
            rounds=max(p.rounds for p in inputs),
            readers=voted.provenance.readers,
            supersedes=voted,
            reason=f"{rule.finding} is positive where {rule.when} is and no other finding is",
            first_read_at=voted.provenance.first_read_at,
            decided_at=timezone.now(),
        )
        written.append(label)
    return written


def complete_if_final(*, item: WorkItem, q: SchemaQuestions, actor=None) -> bool:
    """When every labelled finding of the item is final: write the derived findings and mark it done."""
    current = {
        lb.finding.key: lb
        for lb in current_final_labels(image_ids=[item.image_id], schema=item.dataset.schema).select_related(
            "finding", "provenance"
        )
    }
    if any(k not in current for k in q.labelled):
        return False
    implied = _implied_labels(item=item, current=current)
    for label in implied:
        current[label.finding.key] = label
    derived = {
        k: v for k, v in q.derive({k: current[k].value for k in q.labelled}).items() if k not in current
    }
    if derived:
        inputs = [current[k].provenance for k in q.labelled]
        now = timezone.now()
        for key, value in derived.items():
            label = Label.objects.create(
                image_id=item.image_id,
                finding=q.findings[key],
                source=LabelSource.ADJUDICATED,
                source_version="1",
                value=value,
            )
            LabelProvenance.objects.create(
                label=label,
                how_reached=most_contested(p.how_reached for p in inputs),
                rounds=max(p.rounds for p in inputs),
                readers=[],
                reason=f"derived from {', '.join(q.labelled)}",
                first_read_at=min((p.first_read_at for p in inputs if p.first_read_at), default=None),
                decided_at=now,
            )
    before = item.state
    item.state = WorkState.DONE
    item.save(update_fields=["state", "updated_at"])
    AdjudicationCase.objects.filter(image_id=item.image_id).exclude(
        status=AdjudicationCase.Status.RESOLVED
    ).update(status=AdjudicationCase.Status.RESOLVED, resolved_at=timezone.now())
    audit_record(
        actor=actor,
        action="item.done",
        obj=item,
        dataset=item.dataset,
        before={"state": before},
        after={
            "state": WorkState.DONE,
            "derived": derived,
            **({"implied": {lb.finding.key: lb.value for lb in implied}} if implied else {}),
        },
    )
    return True
