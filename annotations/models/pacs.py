"""PACS sources a dataset imports from over DICOMweb, and which of their studies are fully imported.

A PacsStudySync row marks one study of one source as imported; a later run skips it unless the PACS
reports a different number of instances for it (new images arrived), so an interrupted import resumes
where it stopped and a periodic sync only fetches what is new.
"""

from django.db import models

from annotations.models.datasets import Dataset


class PacsSource(models.Model):
    """A DICOMweb endpoint (QIDO-RS / WADO-RS / STOW-RS root URL) feeding one dataset."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="pacs_sources")
    name = models.CharField(max_length=120, blank=True)
    url = models.URLField(max_length=500)
    # The periodic sync (Celery beat) imports studies of the last `lookback_days` with this modality.
    enabled = models.BooleanField(default=False)
    modality = models.CharField(max_length=16, blank=True)
    lookback_days = models.PositiveIntegerField(default=7)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "url"], name="pacssource_unique_url")]

    def __str__(self) -> str:
        return self.name or self.url


class PacsStudySync(models.Model):
    """One study of a source: imported completely (skipped next time) or partially (retried)."""

    class Status(models.TextChoices):
        COMPLETE = "complete", "Every instance retrieved and imported"
        PARTIAL = "partial", "Interrupted or some instances could not be retrieved"

    source = models.ForeignKey(PacsSource, on_delete=models.CASCADE, related_name="study_syncs")
    study_instance_uid = models.CharField(max_length=128)
    status = models.CharField(max_length=10, choices=Status.choices)
    # NumberOfStudyRelatedInstances the PACS reported when the study was imported (None: not reported).
    instances_expected = models.PositiveIntegerField(null=True, blank=True)
    instances_imported = models.PositiveIntegerField(default=0)
    instances_failed = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "study_instance_uid"], name="pacsstudysync_unique_study"
            )
        ]
