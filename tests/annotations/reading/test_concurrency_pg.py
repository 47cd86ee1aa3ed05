"""Concurrent readers on PostgreSQL: threads, each with its own database connection, hammer the
worklist; no item ever gets more than N first reads, nor two from one reader, and every item
completes. (SQLite serialises writers, so this runs on PostgreSQL only.)"""

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from annotations.models import Read, WorkItem
from annotations.services.reading.first_reads import read_submit
from annotations.services.reading.worklist import worklist_next
from tests.annotations.reading.conftest import labels, make_images
from tests.support.services import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run_threads(target, users) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def body(user):
        try:
            barrier.wait()
            target(user)
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_simultaneous_claims_never_exceed_n(make_team):
    from annotations.services.reading.worklist import worklist_enqueue

    team = make_team("google4", readers=8, readers_per_item=3)
    [image] = make_images(team.dataset, 1)
    worklist_enqueue(dataset=team.dataset)
    got: list = []

    def grab(user):
        # SKIP LOCKED makes a reader pass over the row another one holds; they ask again until
        # they hold a claim or the item is full.
        for _ in range(500):
            if (task := worklist_next(reader=user, dataset=team.dataset)) is not None:
                got.append(task)
                return
            if WorkItem.objects.get(image=image).reads_open >= 3:
                return

    assert run_threads(grab, team.readers) == []
    assert len(got) == 3 and len({t.read.reader_id for t in got}) == 3
    assert Read.objects.filter(image=image).count() == 3 == WorkItem.objects.get(image=image).reads_open


def test_readers_racing_through_a_queue_never_over_assign(make_team):
    from annotations.services.reading.worklist import worklist_enqueue

    team = make_team("google4", readers=6, readers_per_item=3)
    images = make_images(team.dataset, 12)
    worklist_enqueue(dataset=team.dataset, seed=3)
    body = {"labels": labels(team.dataset)}

    def read_all(user):
        for _ in range(2000):
            task = worklist_next(reader=user, dataset=team.dataset)
            if task is not None:
                read_submit(reader=user, read_id=task.read.pk, **body)
                continue
            waiting = WorkItem.objects.filter(state="reading").exclude(image__reads__reader=user)
            if not waiting.exists():
                return
            time.sleep(0.005)  # the rest is held by other readers right now

    assert run_threads(read_all, team.readers) == []
    per_item = Counter(Read.objects.filter(round=0).values_list("image_id", flat=True))
    assert per_item == dict.fromkeys((i.pk for i in images), 3)
    pairs = Counter(Read.objects.filter(round=0).values_list("image_id", "reader_id"))
    assert max(pairs.values()) == 1
    assert set(WorkItem.objects.values_list("state", flat=True)) == {"done"}
    assert all(w.reads_open == w.readers_needed for w in WorkItem.objects.all())


def test_the_export_read_by_two_connections_equals_the_sequential_one(make_team, tmp_path, settings):
    """The build reads chunks ahead on two connections sharing one snapshot; the bytes are those of
    the plain sequential read, whatever the chunking."""
    from annotations.models import Image, LabelSetSnapshot
    from annotations.services.exports.snapshot_files import label_chunks, label_columns, write_label_set
    from annotations.services.exports.snapshots import _labels, _own_findings, _policy, snapshot_build
    from tests.annotations.reading.conftest import enqueue, read_item

    team = make_team("google4", readers_per_item=1)
    enqueue(team, make_images(team.dataset, 7))
    for k in range(7):
        read_item(
            team,
            team.readers[0],
            {"labels": labels(team.dataset, Fracture="uncertain" if k % 2 else "negative")},
        )
    row = LabelSetSnapshot.objects.create(dataset=team.dataset, number=1, policy=_policy(team.dataset))
    snapshot = snapshot_build(row.pk, chunk_images=2)  # four chunks over the two reading connections
    assert snapshot.status == "ready" and snapshot.label_count == 28
    final = _labels(snapshot, None)
    plain = write_label_set(
        label_chunks(final, Image.objects.filter(dataset=team.dataset), 5),
        schema_key="google4",
        columns=label_columns(final, schema_key="google4", findings=_own_findings(snapshot)),
        csv_path=tmp_path / "a.csv",
        jsonl_path=tmp_path / "a.jsonl",
    )
    assert (plain.csv_sha256, plain.jsonl_sha256) == (snapshot.csv_sha256, snapshot.jsonl_sha256)
    exports = Path(settings.ARBITER_EXPORT_DIR)
    assert not list(exports.rglob("*.part")) and len(list(exports.rglob("labels-v0001.*"))) == 2


def test_a_failing_read_ahead_reaches_the_caller_and_its_threads_end(db):
    from django.db import connection, transaction

    from annotations.services.exports.snapshots import read_ahead

    def make(i: int):
        if i == 3:
            raise RuntimeError("chunk 3 is broken")
        return i

    before = threading.active_count()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cur.execute("SELECT pg_export_snapshot()")
        cut = cur.fetchone()[0]
        got = []
        with pytest.raises(RuntimeError, match="chunk 3"):
            got.extend(read_ahead(make, 10, cut))
        assert got == [0, 1, 2]
    time.sleep(0.5)
    assert threading.active_count() == before


def test_an_enqueue_waits_for_a_policy_change_and_queues_with_its_value(make_team):
    from django.db import transaction

    from annotations.services.datasets.datasets import dataset_policy_update
    from annotations.services.reading.worklist import worklist_enqueue

    team = make_team("google4", readers=3, readers_per_item=3)
    make_images(team.dataset, 2)
    stale = team.dataset  # the caller's copy still says 3 readers
    finished = threading.Event()
    errors: list[BaseException] = []

    def enqueue_now():
        try:
            worklist_enqueue(dataset=stale)
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            finished.set()
            connection.close()

    with transaction.atomic():
        dataset_policy_update(dataset=team.dataset, changes={"readers_per_item": 2}, actor=team.admin)
        thread = threading.Thread(target=enqueue_now)
        thread.start()
        assert not finished.wait(1.5), "the enqueue ran while the policy change held the dataset row"
    thread.join(timeout=30)
    assert errors == [] and finished.is_set()
    needed = WorkItem.objects.filter(dataset=team.dataset).values_list("readers_needed", flat=True)
    assert sorted(needed) == [2, 2]
