"""Writing the audit log. Values are ids, codes and labels, never report text or patient identifiers."""

from typing import Any

from django.db import models

from annotations.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    dataset: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        dataset=dataset,
        before=before,
        after=after,
    )
