"""Label-set snapshots: immutable, numbered exports of a dataset's final labels.

An admin creates one with filters (findings, how reached, decision date range, split); the row gets
the next number and the reading policy in force, and a worker writes its CSV and JSON Lines files
once under ARBITER_EXPORT_DIR/<dataset slug>/ from the labels current at that moment (on PostgreSQL in
one REPEATABLE READ transaction, so the files are a consistent cut). After that neither the row nor
the files change; a download serves the stored bytes, so it is identical every time.
"""

import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from annotations.errors import InvalidInputError, NotFoundError
from annotations.io_errors import describe_os_error
from annotations.models import Dataset, Finding, Image, LabelSetSnapshot
from annotations.models.choices import HowReached, JobKind, Split
from annotations.selectors.final_labels import published_final_labels, validate_choices
from annotations.services.audit import audit_record
from annotations.services.exports.snapshot_files import (
    chunk_bounds,
    label_chunk,
    label_chunks,
    label_columns,
    write_label_set,
)
from annotations.services.jobs.dispatch import task_send
from annotations.services.jobs.lifecycle import JobRun
from annotations.services.jobs.records import job_create, job_finish, job_start

log = logging.getLogger(__name__)
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _finding_names(dataset: Dataset) -> list[str]:
    """What the `findings` filter may name: the dataset schema's findings by key, every other
    schema's as "<schema>:<finding>" (imported expert labels of another schema, for instance)."""
    own = list(dataset.schema.findings.order_by("order").values_list("key", flat=True))
    others = (
        Finding.objects.exclude(schema=dataset.schema)
        .order_by("schema__key", "order")
        .values_list("schema__key", "key")
    )
    return own + [f"{schema}:{key}" for schema, key in others]


def _filters(dataset: Dataset, raw: dict) -> dict:
    names = _finding_names(dataset)
    findings = validate_choices("findings", raw.get("findings"), names)
    findings = [f for f in names if f in findings]  # schema order, once each
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
    transaction.on_commit(lambda: task_send("annotations.build_snapshot", snapshot.pk))
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


def _findings_q(schema_key: str, names: list[str]) -> Q:
    """The labels of the named findings: a plain name is a finding of the dataset's own schema (never
    a same-named finding of another schema), "<schema>:<finding>" one of another schema."""
    own = [n for n in names if ":" not in n]
    q = Q(finding__schema__key=schema_key, finding__key__in=own) if own else Q(pk__in=[])
    for name in names:
        if ":" in name:
            schema, key = name.split(":", 1)
            q |= Q(finding__schema__key=schema, finding__key=key)
    return q


def _own_findings(snapshot: LabelSetSnapshot) -> list[str]:
    """The dataset schema's findings the CSV always has a column for (those filtered on, or all)."""
    if names := snapshot.filters.get("findings"):
        return [n for n in names if ":" not in n]
    return snapshot.policy["findings"]


def _labels(snapshot: LabelSetSnapshot, as_of):
    f = snapshot.filters
    labels = published_final_labels(
        snapshot.dataset,
        how_reached=f.get("how_reached"),
        splits=f.get("splits"),
        decided_from=date.fromisoformat(f["decided_from"]) if f.get("decided_from") else None,
        decided_to=date.fromisoformat(f["decided_to"]) if f.get("decided_to") else None,
        as_of=as_of,
    )
    if f.get("findings"):
        labels = labels.filter(_findings_q(snapshot.policy["schema"], f["findings"]))
    return labels


def read_ahead(make_chunk: Callable[[int], object], n: int, cut: str, *, workers: int = 2, depth: int = 1):
    """make_chunk(0), ..., make_chunk(n - 1), in order, computed ahead by `workers` threads while the
    caller writes: the database renders chunks on several cores at once. Each thread's connection
    imports this transaction's snapshot (pg_export_snapshot), so all read the very same data; each
    queue holds at most `depth` chunks, so memory stays bounded."""
    queues = [queue.Queue(maxsize=depth) for _ in range(workers)]
    stop = threading.Event()
    done = object()

    def put(q: queue.Queue, item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce(k: int) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute("SET TRANSACTION SNAPSHOT %s", [cut])
                cur.execute("SET LOCAL work_mem = '64MB'")  # each chunk sorts in memory
                for i in range(k, n, workers):
                    if not put(queues[k], make_chunk(i)):
                        return
            put(queues[k], done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(queues[k], exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=produce, args=(k,), name=f"snapshot-read-{k}", daemon=True)
        for k in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        for i in range(n):
            item = queues[i % workers].get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def _write_files(snapshot: LabelSetSnapshot, tmp_csv: Path, tmp_jsonl: Path, chunk_images: int):
    """Write the snapshot's labels to the two files; returns (as_of, WrittenFiles)."""
    # In the worker's own transaction (not inside a caller's, as with an eager task in a test) the
    # build reads one consistent cut of the data, with two more connections reading ahead in it.
    postgres = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cur.execute("SELECT pg_export_snapshot()")
                cut = cur.fetchone()[0]
        as_of = timezone.now()
        labels, images = _labels(snapshot, as_of), Image.objects.filter(dataset=snapshot.dataset)
        if postgres:
            bounds = chunk_bounds(images, chunk_images)
            chunks = read_ahead(lambda i: label_chunk(labels, images, *bounds[i]), len(bounds), cut)
        else:
            chunks = label_chunks(labels, images, chunk_images)
        schema_key = snapshot.policy["schema"]
        columns = label_columns(labels, schema_key=schema_key, findings=_own_findings(snapshot))
        written = write_label_set(
            chunks,
            schema_key=schema_key,
            columns=columns,
            csv_path=tmp_csv,
            jsonl_path=tmp_jsonl,
        )
    return as_of, written


def snapshot_build(
    snapshot_id: int, *, chunk_images: int = 2000, run: JobRun | None = None
) -> LabelSetSnapshot:
    """Write the snapshot's files once. Idempotent and safe under a redelivered task: each build
    writes its own temporary files and publishes them under the snapshot's row lock; a build that
    finds the snapshot already ready discards its files, so the row and the files always agree.

    With `run` (the export task's claimed job: annotations.services.jobs.lifecycle) the job ends
    through it, succeeded with the counts or failed with the cause (a full or unwritable disk named);
    called without one, the snapshot's job (if any) is reported on directly."""
    try:
        snapshot = _build(snapshot_id, chunk_images=chunk_images, report=run is None)
    except Exception as exc:
        if run is not None:
            _build_failed(snapshot_id, run, exc)
        raise
    if run is not None:
        run.finish(summary={"created": snapshot.label_count, "rows": snapshot.row_count}, errors=[])
    return snapshot


def _build_failed(snapshot_id: int, run: JobRun, exc: Exception) -> None:
    """End the run failed with the cause: an OSError named (disk full, permission), on the snapshot too."""
    if isinstance(exc, OSError):
        failure = describe_os_error(exc, doing="writing the snapshot files")
        LabelSetSnapshot.objects.filter(pk=snapshot_id, status=LabelSetSnapshot.Status.FAILED).update(
            error=failure.message
        )
        run.fail(failure.message, code=failure.code)
    else:
        run.fail(str(exc)[:500], code="export_failed")


def _build(snapshot_id: int, *, chunk_images: int, report: bool) -> LabelSetSnapshot:
    snapshot = LabelSetSnapshot.objects.select_related("dataset__schema").get(pk=snapshot_id)
    if snapshot.status == LabelSetSnapshot.Status.READY:
        return snapshot
    if report and snapshot.job_id:
        job_start(snapshot.job_id)
    folder = export_dir(snapshot.dataset)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"labels-v{snapshot.number:04d}"
    token = uuid.uuid4().hex
    tmp_csv, tmp_jsonl = folder / f".{stem}.{token}.csv.part", folder / f".{stem}.{token}.jsonl.part"
    try:
        as_of, written = _write_files(snapshot, tmp_csv, tmp_jsonl, chunk_images)
        with transaction.atomic():
            current = LabelSetSnapshot.objects.select_for_update().get(pk=snapshot_id)
            if current.status == LabelSetSnapshot.Status.READY:  # another delivery finished first
                return current
            os.replace(tmp_csv, folder / f"{stem}.csv")
            os.replace(tmp_jsonl, folder / f"{stem}.jsonl")
            rel = Path(snapshot.dataset.slug)
            LabelSetSnapshot.objects.filter(pk=snapshot_id).update(
                status=LabelSetSnapshot.Status.READY,
                error="",
                as_of=as_of,
                csv_path=str(rel / f"{stem}.csv"),
                jsonl_path=str(rel / f"{stem}.jsonl"),
                csv_sha256=written.csv_sha256,
                jsonl_sha256=written.jsonl_sha256,
                row_count=written.row_count,
                label_count=written.label_count,
                finished_at=timezone.now(),
            )
    except Exception as exc:
        log.exception("snapshot %s failed", snapshot_id)
        LabelSetSnapshot.objects.filter(pk=snapshot_id).exclude(status=LabelSetSnapshot.Status.READY).update(
            status=LabelSetSnapshot.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        if report and snapshot.job_id:
            job_finish(
                snapshot.job_id,
                summary={},
                errors=[{"code": "export_failed", "message": str(exc)[:500]}],
                failed=True,
            )
        raise
    finally:
        for tmp in (tmp_csv, tmp_jsonl):
            tmp.unlink(missing_ok=True)
    if report and snapshot.job_id:
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
