"""The admin console in a real browser: the reading-protocol preset picker (the dataset's current
preset, applying Google's) and the panel of cases stuck without an eligible adjudicator."""

import pytest

from annotations.models import AdjudicationCase, Dataset, WorkItem
from annotations.models.choices import Role
from annotations.services.datasets.datasets import membership_grant
from tests.annotations.reading.conftest import make_images
from tests.e2e.data import cxr_dataset, user_with_role

pytestmark = pytest.mark.e2e


def test_admin_applies_googles_preset_and_sees_the_stuck_case(browser, make_user):
    dataset = cxr_dataset(preset="assisted")
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    reader = user_with_role(make_user, dataset, "reader1", Role.RADIOLOGIST)
    membership_grant(dataset=dataset, user=reader, role=Role.ADJUDICATOR)  # the only adjudicator read it
    [image] = make_images(dataset, 1)
    WorkItem.objects.create(image=image, dataset=dataset, state="awaiting_adjudicator", readers_needed=1)
    case = AdjudicationCase.objects.create(
        image=image, status="awaiting_adjudicator", reader_order=[reader.pk]
    )

    r = browser.run("protocol", admin="admin1", dataset=dataset.id)

    assert "Assisted reading" in r["before"] and "Google ChestX-ray14 relabelling" in r["after"]
    assert "1 case waits" in r["stuckText"] and str(case.pk) in r["stuckText"]
    assert "read this image" in r["stuckText"]
    assert (r["rounds"], r["report"]) == ("5", False)
    row = Dataset.objects.get(pk=dataset.pk)
    assert row.definite_final_labels and row.max_adjudication_rounds == 5
