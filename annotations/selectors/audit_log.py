"""Reading the audit log for admins: who exported, downloaded or re-identified what, and when."""

from django.db.models import QuerySet

from annotations.errors import ForbiddenError
from annotations.models import AuditEvent

# The events the access console shows by default.
ACCESS_ACTIONS = (
    "snapshot.create",
    "snapshot.download",
    "identity.reveal",
    "identity.resolve_uids",
    "pacs.labels_sent",
    "import.upload",
)


def audit_events(
    *, user, actions: tuple[str, ...] = (), dataset_id: int | None = None, actor_id: int | None = None
) -> QuerySet[AuditEvent]:
    """Newest first; only admins may read the log."""
    if not getattr(user, "is_staff", False):
        raise ForbiddenError("Only admins may read the audit log.")
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if actions:
        events = events.filter(action__in=actions)
    if dataset_id is not None:
        events = events.filter(dataset_id=dataset_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    return events
