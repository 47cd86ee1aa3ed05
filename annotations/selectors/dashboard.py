"""The admin console's dataset dashboard (issue #17.6): the state of a dataset at a glance.

Counts are of images and items, never of labels: films, NLP-labelled images, QC-held, queued (no
first read yet), read once / twice / three or more times (still taking first reads), in adjudication,
final; agreement as Fleiss' kappa per finding (items read by the full panel); per-reader progress
(first reads submitted, the last hour's) and speed (median seconds per read).
"""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from annotations.models import Dataset, Image, Label, QCFlag, Read, WorkItem
from annotations.models.choices import LabelSource, QCStatus, ReadStatus, WorkState
from annotations.selectors.agreement import agreement_stats


def _reads_per_item(dataset: Dataset) -> dict[int, int]:
    rows = (
        Read.objects.filter(
            image__work_item__dataset=dataset,
            image__work_item__state=WorkState.READING,
            round=0,
            status=ReadStatus.SUBMITTED,
        )
        .values_list("image_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def _readers(dataset: Dataset) -> list[dict]:
    since = timezone.now() - timedelta(hours=1)
    reads = Read.objects.filter(image__dataset=dataset, round=0, status=ReadStatus.SUBMITTED)
    per: dict[int, list] = {}
    for reader_id, duration, at in reads.values_list("reader_id", "duration_ms", "submitted_at").iterator():
        per.setdefault(reader_id, []).append((duration, at))
    names = dict(get_user_model().objects.filter(pk__in=per).values_list("pk", "username"))
    out = []
    for reader_id, rows in sorted(per.items(), key=lambda kv: names.get(kv[0], "")):
        durations = [d for d, _ in rows if d]
        out.append(
            {
                "reader": reader_id,
                "username": names.get(reader_id, ""),
                "first_reads": len(rows),
                "last_hour": sum(1 for _, at in rows if at and at >= since),
                "median_seconds": round(median(durations) / 1000, 1) if durations else None,
            }
        )
    return out


def dataset_dashboard(dataset: Dataset) -> dict:
    states = dict(
        WorkItem.objects.filter(dataset=dataset).values_list("state").annotate(n=Count("id")).order_by()
    )
    per_item = _reads_per_item(dataset)
    reading = states.get(WorkState.READING, 0)
    once = sum(1 for n in per_item.values() if n == 1)
    twice = sum(1 for n in per_item.values() if n == 2)
    thrice = sum(1 for n in per_item.values() if n >= 3)
    qc_held = (
        QCFlag.objects.filter(image__dataset=dataset, status=QCStatus.OPEN)
        .values("image_id")
        .distinct()
        .count()
    )
    nlp = (
        Label.objects.filter(image__dataset=dataset, source=LabelSource.NLP)
        .values("image_id")
        .distinct()
        .count()
    )
    agreement = agreement_stats(dataset)
    return {
        "dataset": dataset.pk,
        "films": Image.objects.filter(dataset=dataset).count(),
        "nlp_labelled": nlp,
        "qc_held": qc_held,
        "queued": reading - once - twice - thrice,
        "read_once": once,
        "read_twice": twice,
        "read_thrice": thrice,
        "in_adjudication": states.get(WorkState.ADJUDICATING, 0)
        + states.get(WorkState.AWAITING_ADJUDICATOR, 0),
        "final": states.get(WorkState.DONE, 0),
        "not_queued": Image.objects.filter(dataset=dataset, work_item__isnull=True).count(),
        "kappa": [
            {"finding": f["finding"], "fleiss_kappa": f["fleiss_kappa"], "items": f["fleiss_items"]}
            for f in agreement["findings"]
        ],
        "readers": _readers(dataset),
    }
