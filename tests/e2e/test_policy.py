"""The admin console's reading-policy form in a real browser: an admin edits readers per item and
the NLP-evidence switch, saves, reloads and sees them stored; a bad value shows the server's message
and stores nothing; a radiologist gets no form."""

import pytest

from annotations.models import AuditEvent, Dataset
from annotations.models.choices import Role
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import cxr_dataset, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_admin_edits_the_reading_policy(browser, make_user):
    dataset = cxr_dataset(readers_per_item=3, show_nlp_evidence=True)
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    user_with_role(make_user, dataset, "reader1", Role.RADIOLOGIST)

    r = browser.run("policy", admin="admin1", reader="reader1", dataset=dataset.id)

    assert r["before"] == {"readers": "3", "nlp": True, "saveEnabled": False}
    assert r["pending"] == "Unsaved changes."
    assert r["saved"].startswith("Reading policy saved")
    assert r["afterReload"] == {"readers": "2", "nlp": False}
    assert "readers_per_item" in r["alert"] and "greater than or equal to 1" in r["alert"]
    assert "greater than or equal to 1" in r["fieldError"] and r["invalid"] == "true"
    assert r["readerForms"] == 0
    row = Dataset.objects.get(pk=dataset.pk)
    assert (row.readers_per_item, row.show_nlp_evidence) == (2, False)  # the bad 0 was not stored
    event = AuditEvent.objects.get(action="dataset.policy")
    assert event.actor.username == "admin1"
    assert event.before == {"readers_per_item": 3, "show_nlp_evidence": True}
    assert event.after == {"readers_per_item": 2, "show_nlp_evidence": False}
