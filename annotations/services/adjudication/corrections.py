"""Correcting a final label: a new version (n+1) that supersedes the current one, with a reason.

Final labels are never updated in place. For a single-choice schema a correction names the right
class (value "positive"); every class whose value changes gets a new version. A derived finding
(No Finding) is re-derived and versioned too when a correction changes it.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.errors import ConflictError, InvalidInputError
from annotations.models import Label, LabelProvenance
from annotations.models.choices import HowReached, LabelSource, LabelValue
from annotations.selectors.final_labels import current_final_labels
from annotations.selectors.read_values import READ_VALUES, schema_questions
from annotations.services.audit import audit_record


@transaction.atomic
def label_correct(*, actor, label: Label, value: str, reason: str) -> list[Label]:
    """Correct `label` (the current version) to `value`; returns the new versions written."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError("A correction needs a reason.", detail={"reason": ["required"]})
    old = (
        Label.objects.select_for_update().select_related("finding", "image__dataset__schema").get(pk=label.pk)
    )
    if old.source != LabelSource.ADJUDICATED:
        raise InvalidInputError("Only final (adjudicated) labels are corrected.")
    if LabelProvenance.objects.filter(supersedes=old).exists():
        raise ConflictError(
            "This version was already superseded; correct the current version.", code="superseded"
        )
    q = schema_questions(old.image.dataset.schema)
    question = q.question_of(old.finding.key)
    if q.single_choice:
        if value != LabelValue.POSITIVE:
            raise InvalidInputError(
                "This schema is single-choice: correct the right class to 'positive'.",
                detail={"classes": list(q.labelled)},
            )
        new_values = q.expand(question, old.finding.key)
    else:
        if value not in READ_VALUES:
            raise InvalidInputError(
                f"value must be one of {', '.join(READ_VALUES)}",
                detail={"value": value, "allowed": list(READ_VALUES)},
            )
        new_values = q.expand(question, value)
    current = {
        lb.finding.key: lb
        for lb in current_final_labels(image_ids=[old.image_id], schema=old.finding.schema).select_related(
            "finding", "provenance"
        )
    }
    merged = {k: lb.value for k, lb in current.items()} | new_values
    if all(k in merged for k in q.labelled):
        new_values |= {k: v for k, v in q.derive(merged).items() if k in current}
    changed = {k: v for k, v in new_values.items() if k in current and current[k].value != v}
    if not changed:
        raise ConflictError("The final label already has this value.", code="unchanged")
    now = timezone.now()
    written = []
    try:
        for key, new_value in changed.items():
            prev = current[key]
            label_new = Label.objects.create(
                image_id=old.image_id,
                finding=prev.finding,
                source=LabelSource.ADJUDICATED,
                source_version=str(int(prev.source_version) + 1),
                value=new_value,
            )
            LabelProvenance.objects.create(
                label=label_new,
                how_reached=HowReached.CORRECTION,
                rounds=prev.provenance.rounds,
                readers=prev.provenance.readers,
                decided_by=actor,
                supersedes=prev,
                reason=reason if key == old.finding.key else f"{reason} (re-derived)",
                first_read_at=prev.provenance.first_read_at,
                decided_at=now,
            )
            written.append(label_new)
    except IntegrityError as exc:
        raise ConflictError(
            "Someone corrected this label at the same time; reload it.", code="superseded"
        ) from exc
    audit_record(
        actor=actor,
        action="label.correct",
        obj=old,
        dataset=old.image.dataset,
        before={k: {"value": current[k].value, "version": current[k].source_version} for k in changed},
        after={lb.finding.key: {"value": lb.value, "version": lb.source_version} for lb in written}
        | {"reason": reason},
    )
    return written
