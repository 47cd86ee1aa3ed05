"""Celery task that writes a label-set snapshot's files (registered through annotations.tasks)."""

from celery import shared_task

from annotations.models import LabelSetSnapshot


@shared_task(acks_late=True)
def build_snapshot(snapshot_id: int) -> dict:
    """Idempotent: a snapshot already written is left as it is; a failed one records its error."""
    from annotations.services.snapshots import snapshot_build

    try:
        snapshot = snapshot_build(snapshot_id)
    except LabelSetSnapshot.DoesNotExist:
        return {"missing": snapshot_id}
    except Exception as exc:  # recorded on the snapshot and its job by snapshot_build
        return {"failed": str(exc)[:200]}
    return {"snapshot": snapshot.pk, "status": snapshot.status, "labels": snapshot.label_count}
