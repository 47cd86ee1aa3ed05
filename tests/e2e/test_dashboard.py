"""The admin console opens on the dataset dashboard (issue #17.6): counts of images and items,
the kappa plot, reader progress, and a job button with live progress; at 1280x800."""

import pytest

from annotations.models.choices import Role
from annotations.services.reading.worklist import worklist_enqueue
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import add_report_and_nlp, cxr_dataset, import_images, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_console_opens_on_the_dashboard_and_runs_a_job(browser, make_user, tmp_path, eager_celery):
    dataset = cxr_dataset(readers_per_item=2)
    images = import_images(dataset, tmp_path / "dicoms", n=4, size=64)
    add_report_and_nlp(images[0])  # NLP labels on one image (3 labels: counted as 1 image)
    worklist_enqueue(dataset=dataset)
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)

    r = browser.run("dashboard", timeout=150, admin="admin1", dataset=dataset.id)

    assert r["top"] == "dashboard"  # the first thing on the console
    assert r["tiles"]["films"] == 4 and r["tiles"]["nlp"] == 1 and r["tiles"]["queued"] == 4
    assert r["tiles"]["final"] == 0 and r["tiles"]["adjudication"] == 0
    assert r["kappaRows"] == 14  # one bar per ChestX-ray14 finding
    assert r["readers"] == [["No read yet."]]
    assert r["box"]["y"] < 120  # at the top of the page
    assert r["message"].startswith("NLP labelling queued")
