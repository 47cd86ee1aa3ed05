"""Google-style adjudication: from N independent first reads to final labels.

When all N first reads are in, findings everyone agrees on are final ("unanimous"). The others open
an AdjudicationCase: in round 1, 2, ... each reader sees the others' anonymised values and comments
of the completed rounds and keeps or revises every still-open finding. A finding on which all
readers agree at the end of a round is final ("consensus", rounds = k). After the dataset's round
limit the tie rule decides what is still open:

- majority: a value held by more than half of the readers wins ("majority"). When no value has a
  strict majority (possible with uncertain answers, e.g. positive / negative / uncertain, or with
  an even number of readers) the finding is NOT guessed: it goes to an adjudicator, as with the
  adjudicator rule.
- adjudicator: a user with the adjudicator role who did not read the item decides ("adjudicator",
  decided_by).

Where the dataset requires definite final labels (`definite_final_labels`, Google's protocol, whose
final labels are YES / NO) "uncertain" never becomes final by agreement or vote: unanimous or
consensus uncertain goes on to the next round, and after the last round only a majority of definite
answers (present or absent held by more than half of the readers) decides; otherwise the adjudicator
does, and must answer present or absent.

Every function here runs with the item's WorkItem row locked, so concurrent submissions on one item
are serialised and a round closes exactly once.
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from annotations.errors import ConflictError, ForbiddenError, InvalidInputError
from annotations.models import AdjudicationCase, Read, ReadLabel, WorkItem
from annotations.models.choices import HowReached, LabelValue, ReadStatus, TieRule, WorkState
from annotations.selectors.final_labels import current_final_labels
from annotations.selectors.read_values import Answer, SchemaQuestions, parse_answers, schema_questions
from annotations.selectors.reads import ReadHistory, read_history
from annotations.services.adjudication.final_labels import Decision, finalise
from annotations.services.audit import audit_record


def strict_majority(values: list[str | None]) -> str | None:
    """The value held by more than half of `values`, or None."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    value, n = counts.most_common(1)[0]
    return value if n * 2 > len(values) else None


def may_be_final(item: WorkItem, value: str | None) -> bool:
    """Whether readers agreeing on (or a majority holding) `value` makes it final on this item."""
    if value is None:
        return False
    return not (item.dataset.definite_final_labels and value == LabelValue.UNCERTAIN)


def agreed(item: WorkItem, values: set[str | None]) -> str | None:
    """The value every reader gave, where it may be final; else None."""
    if len(values) != 1:
        return None
    value = next(iter(values))
    return value if may_be_final(item, value) else None


def lock_item(image_id: int) -> WorkItem:
    """The item's row, locked until the end of the transaction (the per-item serialisation point)."""
    return WorkItem.objects.select_for_update().select_related("dataset__schema").get(image_id=image_id)


def write_read_labels(read: Read, q: SchemaQuestions, answers: dict[str, Answer]) -> None:
    rows = []
    for question, answer in answers.items():
        for key, value in q.expand(question, answer.value).items():
            comment = answer.comment if key == question else ""
            rows.append(ReadLabel(read=read, finding=q.findings[key], value=value, comment=comment))
    ReadLabel.objects.bulk_create(rows)


def open_questions(item: WorkItem, q: SchemaQuestions) -> list[str]:
    """Questions of the item without a final label yet."""
    final = set(
        current_final_labels(image_ids=[item.image_id], schema=item.dataset.schema).values_list(
            "finding__key", flat=True
        )
    )
    return [qu for qu in q.questions if any(f.key not in final for f in q.question_findings(qu))]


def close_first_reads(*, item: WorkItem, q: SchemaQuestions, actor=None) -> AdjudicationCase | None:
    """All N first reads are in: finalise the unanimous findings, open a case for the rest."""
    history = read_history(item.image_id)
    decisions: dict[str, Decision] = {}
    disputed: list[str] = []
    for question in q.questions:
        values = {history.answers(q, rid, 0).get(question) for rid in history.order}
        if (value := agreed(item, values)) is not None:
            decisions[question] = Decision(value, HowReached.UNANIMOUS, 0)
        else:
            disputed.append(question)
    case = None
    if disputed:
        rounds = item.dataset.max_adjudication_rounds
        case = AdjudicationCase.objects.create(
            image_id=item.image_id, reader_order=history.order, current_round=1 if rounds else 0
        )
        case.disputed_findings.set([f for qu in disputed for f in q.question_findings(qu)])
        item.state = WorkState.ADJUDICATING
        item.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=actor,
            action="case.open",
            obj=case,
            dataset=item.dataset,
            after={"disputed": disputed, "readers": history.order, "rounds_allowed": rounds},
        )
    finalise(item=item, q=q, history=history, decisions=decisions, actor=actor)
    if case is not None and item.dataset.max_adjudication_rounds == 0:
        _apply_tie_rule(
            item=item, case=case, q=q, history=history, questions=disputed, last_round=0, actor=actor
        )
    return case


def _apply_tie_rule(
    *,
    item: WorkItem,
    case: AdjudicationCase,
    q: SchemaQuestions,
    history: ReadHistory,
    questions: list[str],
    last_round: int,
    actor=None,
) -> None:
    decisions: dict[str, Decision] = {}
    pending: list[str] = []
    for question in questions:
        if item.dataset.tie_rule == TieRule.MAJORITY:
            values = [history.latest_answer(q, rid, question, last_round) for rid in history.order]
            winner = strict_majority(values)
            if may_be_final(item, winner):
                decisions[question] = Decision(winner, HowReached.MAJORITY, last_round)
                continue
        pending.append(question)
    if pending:
        case.status = AdjudicationCase.Status.AWAITING_ADJUDICATOR
        case.save(update_fields=["status"])
        item.state = WorkState.AWAITING_ADJUDICATOR
        item.save(update_fields=["state", "updated_at"])
        audit_record(
            actor=actor,
            action="case.to_adjudicator",
            obj=case,
            dataset=item.dataset,
            after={"pending": pending, "tie_rule": item.dataset.tie_rule, "after_round": last_round},
        )
    finalise(item=item, q=q, history=history, decisions=decisions, actor=actor)


def _close_round(
    *, item: WorkItem, case: AdjudicationCase, q: SchemaQuestions, round_: int, actor=None
) -> None:
    history = read_history(item.image_id, order=case.reader_order)
    decisions: dict[str, Decision] = {}
    still: list[str] = []
    for question in open_questions(item, q):
        values = {history.answers(q, rid, round_).get(question) for rid in case.reader_order}
        if (value := agreed(item, values)) is not None:
            decisions[question] = Decision(value, HowReached.CONSENSUS, round_)
        else:
            still.append(question)
    audit_record(
        actor=actor,
        action="case.round_closed",
        obj=case,
        dataset=item.dataset,
        after={"round": round_, "consensus": list(decisions), "still_open": still},
    )
    finalise(item=item, q=q, history=history, decisions=decisions, actor=actor)
    if not still:
        return
    if round_ < item.dataset.max_adjudication_rounds:
        case.current_round = round_ + 1
        case.save(update_fields=["current_round"])
    else:
        _apply_tie_rule(
            item=item, case=case, q=q, history=history, questions=still, last_round=round_, actor=actor
        )


@transaction.atomic
def case_respond(
    *,
    reader,
    case: AdjudicationCase,
    labels: list | None = None,
    choice: str | None = None,
    comment: str = "",
    duration_ms: int | None = None,
) -> Read:
    """A reader keeps or revises every still-open finding in the case's current round."""
    item = lock_item(case.image_id)
    case = AdjudicationCase.objects.get(pk=case.pk)
    if reader.pk not in case.reader_order:
        raise ForbiddenError("Only the item's readers answer adjudication rounds.")
    if case.status != AdjudicationCase.Status.OPEN:
        raise ConflictError(
            f"This case is not in a reading round (it is {case.get_status_display().lower()})."
        )
    round_ = case.current_round
    if Read.objects.filter(image_id=case.image_id, reader=reader, round=round_).exists():
        raise ConflictError(
            f"You already answered round {round_}; wait for the other readers.", code="already_answered"
        )
    q = schema_questions(item.dataset.schema)
    answers = parse_answers(q, labels=labels, choice=choice, required=open_questions(item, q))
    read = Read.objects.create(
        image_id=case.image_id,
        reader=reader,
        round=round_,
        status=ReadStatus.SUBMITTED,
        submitted_at=timezone.now(),
        comment=comment,
        duration_ms=duration_ms,
    )
    write_read_labels(read, q, answers)
    audit_record(
        actor=reader,
        action="case.respond",
        obj=read,
        dataset=item.dataset,
        after={
            "round": round_,
            "answers": {k: a.value for k, a in answers.items()},
            "comment": bool(comment),
        },
    )
    answered = Read.objects.filter(image_id=case.image_id, round=round_, status=ReadStatus.SUBMITTED).count()
    if answered >= len(case.reader_order):
        _close_round(item=item, case=case, q=q, round_=round_, actor=reader)
    return read


@transaction.atomic
def case_decide(
    *,
    adjudicator,
    case: AdjudicationCase,
    labels: list | None = None,
    choice: str | None = None,
    reason: str = "",
) -> list:
    """An adjudicator decides every finding still open after the round limit."""
    item = lock_item(case.image_id)
    case = AdjudicationCase.objects.get(pk=case.pk)
    if case.status != AdjudicationCase.Status.AWAITING_ADJUDICATOR:
        raise ConflictError(
            f"This case is not waiting for an adjudicator (it is {case.get_status_display().lower()})."
        )
    if adjudicator.pk in case.reader_order:
        raise ForbiddenError("You read this item; another adjudicator must decide it.")
    q = schema_questions(item.dataset.schema)
    answers = parse_answers(q, labels=labels, choice=choice, required=open_questions(item, q))
    if undecided := [k for k, a in answers.items() if not may_be_final(item, a.value)]:
        raise InvalidInputError(
            "This dataset's final labels are present or absent; decide "
            f"{', '.join(undecided)} as positive or negative.",
            code="definite_required",
            detail={"uncertain": undecided},
        )
    history = read_history(item.image_id, order=case.reader_order)
    decisions = {
        question: Decision(
            answer.value,
            HowReached.ADJUDICATOR,
            case.current_round,
            decided_by=adjudicator,
            reason=answer.comment or reason,
        )
        for question, answer in answers.items()
    }
    audit_record(
        actor=adjudicator,
        action="case.decide",
        obj=case,
        dataset=item.dataset,
        after={"answers": {k: a.value for k, a in answers.items()}, "reason": bool(reason)},
    )
    return finalise(item=item, q=q, history=history, decisions=decisions, actor=adjudicator)
