"""Undo of the last submitted read within the grace period, and skip with a reason, in a real
browser (issue #17.5)."""

import pytest

from annotations.models import AuditEvent, Read, ReadSkip
from annotations.models.choices import Role
from annotations.services.reading.worklist import worklist_enqueue
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import cxr_dataset, import_images, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_undo_the_last_read_then_skip_the_next_with_a_reason(browser, make_user, tmp_path):
    dataset = cxr_dataset(readers_per_item=2)
    import_images(dataset, tmp_path / "dicoms", n=3, size=128)
    worklist_enqueue(dataset=dataset)
    reader = user_with_role(make_user, dataset, "reader1", Role.RADIOLOGIST)

    r = browser.run("undo_skip", timeout=150, reader="reader1", dataset=dataset.id)

    assert r["toast"].startswith(f"Submitted image {r['first']}.") and "Undo (z)" in r["toast"]
    assert r["restored"][0] == "positive" and set(r["restored"][1:]) == {"negative"}  # answers came back
    assert r["toastAfterUndo"] == 0
    assert r["confirmDisabled"] is True  # no reason chosen yet
    first = Read.objects.get(reader=reader, image_id=r["first"])
    assert first.status == "submitted" and first.labels.filter(value="positive").count() == 1
    assert AuditEvent.objects.filter(action="read.undo", object_id=str(first.pk)).count() == 1
    skip = ReadSkip.objects.get(reader=reader)
    assert (skip.image_id, skip.reason, skip.note) == (r["second"], "non_diagnostic", "motion blur")
    assert not Read.objects.filter(reader=reader, image_id=r["second"]).exists()
    assert r["third"] not in (r["first"], r["second"])
