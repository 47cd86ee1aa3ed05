"""Label-set snapshots: immutable, numbered exports of a dataset's final labels.

An admin creates one with filters (findings, how reached, decision date range, split); the row gets
the next number and the reading policy in force, and a worker writes its CSV and JSON Lines files
once under ARBITER_EXPORT_DIR/<dataset slug>/ from the labels current at that moment (on PostgreSQL in
one REPEATABLE READ transaction, so the files are a consistent cut). After that neither the row nor
the files change; a download serves the stored bytes, so it is identical every time.
"""

import logging
import os
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from annotations.models import Dataset, Image, LabelSetSnapshot
from annotations.models.choices import HowReached, JobKind, Split
from annotations.selectors.final_labels import published_final_labels, validate_choices
from annotations.services.audit import audit_record
from annotations.services.errors import InvalidInputError, NotFoundError
from annotations.services.jobs import job_create, job_finish, job_start
from annotations.services.snapshot_files import write_label_set

log = logging.getLogger(__name__)
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _filters(dataset: Dataset, raw: dict) -> dict:
    schema_findings = list(dataset.schema.findings.order_by("order").values_list("key", flat=True))
    findings = validate_choices("findings", raw.get("findings"), schema_findings)
    findings = [f for f in schema_findings if f in findings]  # schema order, once each
    how = validate_choices("how_reached", raw.get("how_reached"), HowReached.values)
    splits = validate_choices("splits", raw.get("splits"), Split.values)
    start, end = raw.get("decided_from"), raw.get("decided_to")
    for name, value in (("decided_from", start), ("decided_to", end)):
        if value is not None and not isinstance(value, date):
            raise InvalidInputError(f"{name} must be a date (YYYY-MM-DD)")
    if start and end and start > end:
        raise InvalidInputError("decided_from is after decided_to")
    return {
        "findings": findings,
        "how_reached": how,
        "splits": splits,
        "decided_from": start.isoformat() if start else None,
        "decided_to": end.isoformat() if end else None,
    }


def _policy(dataset: Dataset) -> dict:
    return {
        "schema": dataset.schema.key,
        "schema_kind": dataset.schema.kind,
        "findings": list(dataset.schema.findings.order_by("order").values_list("key", flat=True)),
        "readers_per_item": dataset.readers_per_item,
        "max_adjudication_rounds": dataset.max_adjudication_rounds,
        "tie_rule": dataset.tie_rule,
        "labels": "current version of each final label of items that are done (or imported expert labels)",
    }


@transaction.atomic
def snapshot_create(*, dataset: Dataset, actor, filters: dict | None = None) -> LabelSetSnapshot:
    """Number and record a snapshot, and queue the worker that writes its files."""
    clean = _filters(dataset, filters or {})
    Dataset.objects.select_for_update().filter(pk=dataset.pk).first()  # serialises numbering
    number = (LabelSetSnapshot.objects.filter(dataset=dataset).aggregate(n=Max("number"))["n"] or 0) + 1
    job = job_create(
        kind=JobKind.EXPORT, dataset=dataset, created_by=actor, params={"snapshot_number": number}
    )
    snapshot = LabelSetSnapshot.objects.create(
        dataset=dataset, number=number, filters=clean, policy=_policy(dataset), created_by=actor, job=job
    )
    audit_record(
        actor=actor,
        action="snapshot.create",
        obj=snapshot,
        dataset=dataset,
        after={"number": number, **clean},
    )
    from annotations.export_tasks import build_snapshot

    transaction.on_commit(lambda: build_snapshot.delay(snapshot.pk))
    return snapshot


def export_dir(dataset: Dataset) -> Path:
    return Path(settings.ARBITER_EXPORT_DIR) / dataset.slug


def snapshot_path(snapshot: LabelSetSnapshot, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise InvalidInputError(f"file must be one of {', '.join(FORMATS)}")
    name = snapshot.csv_path if fmt == "csv" else snapshot.jsonl_path
    if snapshot.status != LabelSetSnapshot.Status.READY or not name:
        raise NotFoundError(
            f"Snapshot {snapshot.number} is {snapshot.get_status_display().lower()}; no file yet."
        )
    path = Path(settings.ARBITER_EXPORT_DIR) / name
    if not path.is_file():
        raise NotFoundError(f"The file of snapshot {snapshot.number} is missing from the export store.")
    return path


def _labels(snapshot: LabelSetSnapshot, as_of):
    f = snapshot.filters
    return published_final_labels(
        snapshot.dataset,
        findings=f.get("findings"),
        how_reached=f.get("how_reached"),
        splits=f.get("splits"),
        decided_from=date.fromisoformat(f["decided_from"]) if f.get("decided_from") else None,
        decided_to=date.fromisoformat(f["decided_to"]) if f.get("decided_to") else None,
        as_of=as_of,
    )


def snapshot_build(snapshot_id: int, *, chunk_images: int = 1000) -> LabelSetSnapshot:
    """Write the snapshot's files (idempotent: a ready snapshot is left as it is)."""
    snapshot = LabelSetSnapshot.objects.select_related("dataset__schema").get(pk=snapshot_id)
    if snapshot.status == LabelSetSnapshot.Status.READY:
        return snapshot
    if snapshot.job_id:
        job_start(snapshot.job_id)
    folder = export_dir(snapshot.dataset)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"labels-v{snapshot.number:04d}"
    tmp_csv, tmp_jsonl = folder / f".{stem}.csv.part", folder / f".{stem}.jsonl.part"
    findings = snapshot.filters.get("findings") or snapshot.policy["findings"]
    try:
        consistent_cut = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic():
            if consistent_cut:  # the worker's own transaction: one consistent cut of the data,
                with connection.cursor() as cur:  # and memory enough to sort each chunk in place
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cur.execute("SET LOCAL work_mem = '64MB'")
            as_of = timezone.now()
            written = write_label_set(
                _labels(snapshot, as_of),
                images=Image.objects.filter(dataset=snapshot.dataset),
                schema_key=snapshot.policy["schema"],
                findings=findings,
                csv_path=tmp_csv,
                jsonl_path=tmp_jsonl,
                chunk_images=chunk_images,
            )
        os.replace(tmp_csv, folder / f"{stem}.csv")
        os.replace(tmp_jsonl, folder / f"{stem}.jsonl")
    except Exception as exc:
        log.exception("snapshot %s failed", snapshot_id)
        LabelSetSnapshot.objects.filter(pk=snapshot_id).update(
            status=LabelSetSnapshot.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        if snapshot.job_id:
            job_finish(
                snapshot.job_id,
                summary={},
                errors=[{"code": "export_failed", "message": str(exc)[:500]}],
                failed=True,
            )
        for tmp in (tmp_csv, tmp_jsonl):
            tmp.unlink(missing_ok=True)
        raise
    rel = Path(snapshot.dataset.slug)
    LabelSetSnapshot.objects.filter(pk=snapshot_id).update(
        status=LabelSetSnapshot.Status.READY,
        as_of=as_of,
        csv_path=str(rel / f"{stem}.csv"),
        jsonl_path=str(rel / f"{stem}.jsonl"),
        csv_sha256=written.csv_sha256,
        jsonl_sha256=written.jsonl_sha256,
        row_count=written.row_count,
        label_count=written.label_count,
        finished_at=timezone.now(),
    )
    if snapshot.job_id:
        job_finish(
            snapshot.job_id, summary={"created": written.label_count, "rows": written.row_count}, errors=[]
        )
    snapshot = LabelSetSnapshot.objects.get(pk=snapshot_id)
    audit_record(
        actor=None,
        action="snapshot.ready",
        obj=snapshot,
        dataset=snapshot.dataset,
        after={
            "csv_sha256": snapshot.csv_sha256,
            "jsonl_sha256": snapshot.jsonl_sha256,
            "labels": snapshot.label_count,
        },
    )
    return snapshot
