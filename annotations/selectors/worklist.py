"""Worklist queries: what a reader should do next, and the queue's state.

`next_read_candidate` is the hot query: one range scan of the partial index workitem_open_queue
(items still taking first reads, by priority), skipping items this reader already holds, read or
skipped, and images with an open QC flag (a safety net: the QC services also hold such items).
"""

import itertools

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from annotations.models import AdjudicationCase, Dataset, QCFlag, Read, ReadSkip, WorkItem
from annotations.models.choices import QCStatus, ReadStatus, WorkState

# The claim's query, written out: compiling it with the ORM costs more than running it. Its WHERE
# clause matches the partial index workitem_open_queue, so it is one range scan from the top.
NEXT_READ_SQL = f"""
SELECT w.* FROM {WorkItem._meta.db_table} w
WHERE w.dataset_id = %s AND w.state = 'reading' AND w.reads_open < w.readers_needed
  AND NOT EXISTS (SELECT 1 FROM {Read._meta.db_table} r
                  WHERE r.image_id = w.image_id AND r.reader_id = %s AND r.round = 0)
  AND NOT EXISTS (SELECT 1 FROM {QCFlag._meta.db_table} q WHERE q.image_id = w.image_id AND q.status = 'open')
  AND NOT EXISTS (SELECT 1 FROM {ReadSkip._meta.db_table} s
                  WHERE s.image_id = w.image_id AND s.reader_id = %s)
ORDER BY w.priority DESC, w.id
LIMIT 1"""


def next_read_candidate(*, reader, dataset: Dataset, lock: bool) -> WorkItem | None:
    """The best item this reader could claim now; with `lock` (inside a transaction, on a database
    that can) its row is locked FOR UPDATE, skipping rows other readers hold locked."""
    sql = NEXT_READ_SQL + (" FOR UPDATE OF w SKIP LOCKED" if lock else "")
    return next(iter(WorkItem.objects.raw(sql, [dataset.pk, reader.pk, reader.pk])), None)


def adjudication_task_for(*, reader, dataset: Dataset) -> AdjudicationCase | None:
    """The oldest open case where this reader still owes an answer for the current round.

    Two plain queries (cases of items this reader read, then their answers) plan faster than one
    query with anti-joins, and the second runs only when there are cases."""
    open_cases = AdjudicationCase.objects.filter(
        status=AdjudicationCase.Status.OPEN,
        image__dataset_id=dataset.pk,
        image__reads__reader=reader,
        image__reads__round=0,
        image__reads__status=ReadStatus.SUBMITTED,
    ).order_by("opened_at", "id")
    page = 50
    for start in itertools.count(0, page):
        cases = list(open_cases[start : start + page])
        if not cases:
            return None
        answered = set(
            Read.objects.filter(
                reader=reader, image_id__in=[c.image_id for c in cases], round__gt=0
            ).values_list("image_id", "round")
        )
        if case := next((c for c in cases if (c.image_id, c.current_round) not in answered), None):
            return case
    return None  # pragma: no cover


def decision_task_for(*, adjudicator, dataset: Dataset) -> AdjudicationCase | None:
    """The oldest case waiting for an adjudicator that this user did not read."""
    read_it = Read.objects.filter(image_id=OuterRef("image_id"), reader=adjudicator, round=0)
    return (
        AdjudicationCase.objects.filter(
            status=AdjudicationCase.Status.AWAITING_ADJUDICATOR, image__dataset=dataset
        )
        .filter(~Exists(read_it))
        .order_by("opened_at", "id")
        .first()
    )


def active_claims(*, reader, dataset: Dataset) -> QuerySet[Read]:
    """The reader's claimed first reads whose lease has not expired, oldest first."""
    return Read.objects.filter(
        reader=reader,
        round=0,
        status=ReadStatus.CLAIMED,
        image__dataset=dataset,
        lease_expires_at__gt=timezone.now(),
    ).order_by("claimed_at", "id")


def worklist_summary(dataset: Dataset) -> dict:
    """Counts only (never values): items per state, open claims, cases per status, open QC flags."""
    states = dict(
        WorkItem.objects.filter(dataset=dataset).values_list("state").annotate(n=Count("id")).order_by()
    )
    cases = dict(
        AdjudicationCase.objects.filter(image__dataset=dataset)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "items": {s: states.get(s, 0) for s in WorkState.values},
        "claimed_reads": Read.objects.filter(image__dataset=dataset, status=ReadStatus.CLAIMED).count(),
        "submitted_first_reads": Read.objects.filter(
            image__dataset=dataset, round=0, status=ReadStatus.SUBMITTED
        ).count(),
        "cases": {s: cases.get(s, 0) for s in AdjudicationCase.Status.values},
        "open_qc_flags": QCFlag.objects.filter(image__dataset=dataset, status=QCStatus.OPEN).count(),
    }
