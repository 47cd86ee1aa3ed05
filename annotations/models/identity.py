"""The admin-only way back from a pseudonym to the identifier a source carried.

Nothing but `annotations.services.privacy.identity` reads this table, and every read it makes for a person
(re-identification, or a label sent back to the PACS) is written to the audit log. The original
values never appear in an API response, a snapshot or a log line.
"""

from django.db import models


class IdentityMapping(models.Model):
    """One pseudonym and the original it stands for (kinds: annotations.privacy.pseudonyms)."""

    kind = models.CharField(max_length=20)
    pseudonym = models.CharField(max_length=64)
    original = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "pseudonym"], name="identitymapping_unique_pseudonym"),
        ]
