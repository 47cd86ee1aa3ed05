"""Patients, studies, images and reports: what ingest stores."""

from django.db import models

from annotations.models.choices import FileFormat, Split
from annotations.models.datasets import Dataset


class Patient(models.Model):
    """A pseudonymous patient. The split is patient-level, so no patient leaks across splits."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="patients")
    pseudo_id = models.CharField(max_length=64)
    age_years = models.FloatField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True, choices=[("M", "Male"), ("F", "Female"), ("O", "Other")])
    split = models.CharField(max_length=12, choices=Split.choices, default=Split.UNASSIGNED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "pseudo_id"], name="patient_unique_pseudo_id"),
        ]


class Study(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="studies")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="studies")
    study_instance_uid = models.CharField(max_length=128)
    accession_number = models.CharField(max_length=64, blank=True)
    study_date = models.DateField(null=True, blank=True)
    modality = models.CharField(max_length=16, blank=True)
    description = models.CharField(max_length=200, blank=True)
    patient_age_years = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(fields=["dataset", "study_instance_uid"], name="study_unique_uid"),
        ]
        indexes = [models.Index(fields=["dataset", "accession_number"])]


class Image(models.Model):
    """One 2-D image: the item that is read, labelled, scored and exported."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="images")
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="images")
    sop_instance_uid = models.CharField(max_length=128, null=True, blank=True)
    # The name the source data set uses (ChestX-ray14 "Image Index", CheXpert "Path", ...).
    source_key = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="images/", max_length=400)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    pixel_checksum = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    cols = models.PositiveIntegerField()
    bits_stored = models.PositiveSmallIntegerField()
    photometric_interpretation = models.CharField(max_length=16)
    transfer_syntax_uid = models.CharField(max_length=64, blank=True)
    view_position = models.CharField(max_length=16, blank=True)
    body_part = models.CharField(max_length=32, blank=True)
    window_center = models.FloatField(null=True, blank=True)
    window_width = models.FloatField(null=True, blank=True)
    # Key of derived artefacts (renders, thumbnails, model inputs): the pixels plus how they are derived.
    derived_cache_key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "sop_instance_uid"],
                condition=models.Q(sop_instance_uid__isnull=False),
                name="image_unique_sop_uid",
            ),
            models.UniqueConstraint(fields=["dataset", "pixel_checksum"], name="image_unique_pixels"),
            models.CheckConstraint(condition=models.Q(rows__gt=0, cols__gt=0), name="image_has_size"),
        ]
        indexes = [models.Index(fields=["dataset", "source_key"])]


class Report(models.Model):
    """The free-text report of a study, split into sections where the text has headings."""

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="report")
    text = models.TextField()
    sections = models.JSONField(default=dict, blank=True)
    text_sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=32, default="csv")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
