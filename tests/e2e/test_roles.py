"""Roles in the UI: an admin sees the admin console; a radiologist sees no admin action."""

import pytest

from annotations.models.choices import Role
from tests.e2e.conftest import BOTH_BROWSERS
from tests.e2e.data import cxr_dataset, user_with_role

pytestmark = pytest.mark.e2e


@BOTH_BROWSERS
def test_admin_sees_console_and_radiologist_does_not(browser, make_user):
    dataset = cxr_dataset()
    user_with_role(make_user, dataset, "admin1", Role.ADMIN)
    user_with_role(make_user, dataset, "reader1", Role.RADIOLOGIST)

    r = browser.run("roles", admin="admin1", reader="reader1")

    admin_text = r["adminText"].lower()  # headings are upper-cased by CSS
    assert "reading policy" in admin_text and "import data" in admin_text
    assert "readers per item" in admin_text
    assert r["readerNavAdmin"] == 0 and r["readerAdminLinks"] == 0
    assert "Start reading" in r["readerHome"]
    assert "Admin" not in r["readerHome"].replace("Admin console", "")
    assert r["consoleCount"] == 0 and "Not available" in r["readerConsole"]
