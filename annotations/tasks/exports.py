"""Celery task that writes a label-set snapshot's files (registered through annotations.tasks.imports).

Through the job lifecycle (annotations.services.jobs.lifecycle): the snapshot's job is claimed and
beats while the files are written; a full or unwritable export disk fails it with that reason (and
the snapshot with it: annotations.services.jobs.endings); a job re-queued after its worker died
builds again (the build is idempotent: temporary files, published once under the row lock).
"""

from celery import shared_task

from annotations.models import LabelSetSnapshot
from annotations.services.jobs.endings import job_ended
from annotations.services.jobs.lifecycle import job_claim


def _remove_dead_parts(snapshot_id: int) -> None:
    """Remove the temporary files an earlier build of this snapshot left when its worker was killed
    (`.labels-vNNNN.<token>.csv.part`, see snapshot_build): the claim says no live build has them."""
    from annotations.services.exports.snapshots import export_dir

    snapshot = LabelSetSnapshot.objects.select_related("dataset").get(pk=snapshot_id)
    folder = export_dir(snapshot.dataset)
    if folder.is_dir():
        for part in folder.glob(f".labels-v{snapshot.number:04d}.*.part"):
            part.unlink(missing_ok=True)


@shared_task(name="annotations.build_snapshot", bind=True, acks_late=True)
def build_snapshot(self, snapshot_id: int) -> dict:
    """Idempotent: a snapshot already written is left as it is; a failed one records its error."""
    from annotations.services.exports.snapshots import snapshot_build

    job_id = LabelSetSnapshot.objects.filter(pk=snapshot_id).values_list("job_id", flat=True).first()
    if job_id is None:  # no snapshot, or one without a job (made before jobs had snapshots)
        try:
            snapshot = snapshot_build(snapshot_id)
        except LabelSetSnapshot.DoesNotExist:
            return {"missing": snapshot_id}
        except Exception as exc:  # recorded on the snapshot by snapshot_build
            return {"failed": str(exc)[:200]}
        return {"snapshot": snapshot.pk, "status": snapshot.status, "labels": snapshot.label_count}
    run = job_claim(job_id, task_id=self.request.id or "")
    if run is None:  # finished, cancelled, or being written by a live worker
        return {"snapshot": snapshot_id, "skipped": True}
    with run:  # the build ends the job through the run: succeeded, or failed with its cause
        _remove_dead_parts(snapshot_id)
        snapshot_build(snapshot_id, run=run)
    job_ended(job_id)
    return {"snapshot": snapshot_id, **run.result}
