"""The Django admin's audit log never shows reader values (staff may be readers too)."""

from annotations.models import AuditEvent


def test_read_payloads_are_hidden_and_other_payloads_shown(make_user, client):
    staff = make_user("auditor", staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    read = AuditEvent.objects.create(
        action="read.submit",
        object_type="annotations.read",
        object_id="1",
        after={"labels": "SECRET-READER-VALUE"},
    )
    other = AuditEvent.objects.create(
        action="dataset.create",
        object_type="annotations.dataset",
        object_id="1",
        after={"slug": "VISIBLE-SLUG"},
    )
    page = client.get(f"/admin/annotations/auditevent/{read.pk}/change/")
    assert page.status_code == 200 and b"SECRET-READER-VALUE" not in page.content
    page = client.get(f"/admin/annotations/auditevent/{other.pk}/change/")
    assert page.status_code == 200 and b"VISIBLE-SLUG" in page.content
