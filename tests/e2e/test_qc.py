"""The QC grid in a real browser: a batch selected with the mouse is confirmed in one key press, and
a flag corrected from the keyboard."""

import pytest

from annotations.models import QCFlag
from annotations.models.choices import Role
from tests.e2e.data import cxr_dataset, import_images, user_with_role

pytestmark = pytest.mark.e2e


def test_qc_grid_confirms_a_batch_and_corrects_by_keyboard(browser, make_user, tmp_path):
    dataset = cxr_dataset()
    images = import_images(dataset, tmp_path / "dicoms", n=6, size=128)
    rotated = [
        QCFlag.objects.create(image=im, kind="rotated", probability=p, source_version="rot-e2e")
        for im, p in zip(images[:4], (0.97, 0.95, 0.9, 0.85), strict=True)
    ]
    inverted = QCFlag.objects.create(
        image=images[4], kind="inverted", probability=0.8, source_version="inv-e2e"
    )
    unsure = QCFlag.objects.create(image=images[5], kind="rotated", probability=0.3, source_version="rot-e2e")
    user_with_role(make_user, dataset, "qc1", Role.ADMIN)

    r = browser.run("qc", user="qc1", dataset=dataset.id)

    assert r["errors"] == []
    assert r["shownAll"] == 5  # the 0.3 flag is below the default probability filter (0.5)
    assert sorted(r["ids"]) == sorted(f.pk for f in rotated)
    assert r["counter"].startswith("4 selected of 4")
    assert "4 flags resolved" in r["status"]
    for f in rotated:
        f.refresh_from_db()
        assert f.status == "confirmed"
    inverted.refresh_from_db()
    assert inverted.status == "corrected" and inverted.correction.get("invert") is True
    unsure.refresh_from_db()
    assert unsure.status == "open"
