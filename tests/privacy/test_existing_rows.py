"""Databases from before pseudonymisation: the data migration moves stored identifiers to their
keyed pseudonyms (what a re-import would give), keeps every patient's split, and runs twice safely."""

import importlib
import io

import pytest
from django.apps import apps

from annotations.ingest.dicom import import_blob
from annotations.ingest.results import IngestSummary
from annotations.ingest.sources import Blob
from annotations.models import IdentityMapping, Image, PacsSource, PacsStudySync, Patient, Study
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.privacy.identity import pseudonymiser
from tests.privacy import planted

pytestmark = pytest.mark.django_db
migration = importlib.import_module("annotations.migrations.0009_privacy_pseudonyms")


def _raw_rows(dataset) -> None:
    """Rows as the importer stored them before: the source's own identifiers."""
    for k, split in enumerate(["train", "validation", "test", "train"]):
        patient = Patient.objects.create(dataset=dataset, pseudo_id=f"MRN{k:04d}", split=split)
        study = Study.objects.create(
            dataset=dataset, patient=patient, study_instance_uid=f"1.2.3.{k}", accession_number=f"A{k}"
        )
        Image.objects.create(
            dataset=dataset,
            study=study,
            sop_instance_uid=f"1.2.3.{k}.1",
            file=f"images/x{k}.png",
            file_format="PNG",
            pixel_checksum=f"{k:064d}",
            rows=1,
            cols=1,
            bits_stored=8,
            photometric_interpretation="MONOCHROME2",
            derived_cache_key=f"k{k}",
        )
    source = PacsSource.objects.create(dataset=dataset, url="http://pacs.invalid/dicom-web")
    PacsStudySync.objects.create(source=source, study_instance_uid="1.2.3.0", status="complete")


def test_existing_rows_become_pseudonyms_with_their_splits_kept_and_the_step_is_idempotent():
    dataset, _ = dataset_get_or_create(slug="old", name="Old", schema_key="chestxray14")
    _raw_rows(dataset)
    splits_before = {p.pseudo_id: p.split for p in Patient.objects.all()}
    migration._pseudonymise(apps, None)
    ps = pseudonymiser()
    after = {p.pseudo_id: p.split for p in Patient.objects.all()}
    assert after == {ps.patient_id(k): v for k, v in splits_before.items()}
    assert set(Study.objects.values_list("study_instance_uid", "accession_number")) == {
        (ps.uid(f"1.2.3.{k}"), ps.accession(f"A{k}")) for k in range(4)
    }
    assert set(Image.objects.values_list("sop_instance_uid", flat=True)) == {
        ps.uid(f"1.2.3.{k}.1") for k in range(4)
    }
    assert PacsStudySync.objects.get().study_instance_uid == ps.uid("1.2.3.0")
    mapped = IdentityMapping.objects.count()
    migration._pseudonymise(apps, None)  # a second run changes nothing
    assert {p.pseudo_id: p.split for p in Patient.objects.all()} == after
    assert IdentityMapping.objects.count() == mapped


def test_a_reimport_after_the_migration_finds_the_migrated_rows():
    dataset, _ = dataset_get_or_create(slug="old-dicom", name="Old DICOM", schema_key="chestxray14")
    summary = IngestSummary()
    import_blob(dataset, Blob("a.dcm", planted.image_bytes(0)), summary)
    image = Image.objects.get()
    # Turn the stored row back into the pre-pseudonym form, as an old database holds it.
    IdentityMapping.objects.all().delete()
    Patient.objects.update(pseudo_id=planted.MRN)
    Study.objects.update(study_instance_uid=planted.STUDY_UID, accession_number=planted.ACCESSION)
    Image.objects.update(sop_instance_uid=planted.SOP_UIDS[0])
    migration._pseudonymise(apps, None)
    again = IngestSummary()
    import_blob(dataset, Blob("a.dcm", planted.image_bytes(0)), again)
    import_blob(dataset, Blob("b.dcm", planted.image_bytes(1)), again)
    assert (again.created, again.existing) == (1, 1)
    assert Patient.objects.count() == 1 and Study.objects.count() == 1
    assert Image.objects.get(pk=image.pk).sop_instance_uid == pseudonymiser().uid(planted.SOP_UIDS[0])


def test_backfill_deidentifies_files_and_scrubs_reports_stored_before(settings):
    import hashlib
    from pathlib import Path

    import pydicom
    from django.core.management import call_command

    from annotations.models import QCFlag, Report

    dataset, _ = dataset_get_or_create(slug="legacy", name="Legacy", schema_key="chestxray14")
    summary = IngestSummary()
    import_blob(dataset, Blob("a.dcm", planted.image_bytes(0, BurnedInAnnotation="YES")), summary)
    image = Image.objects.get()
    QCFlag.objects.all().delete()
    path = Path(settings.MEDIA_ROOT) / image.file.name
    path.write_bytes(planted.image_bytes(0, BurnedInAnnotation="YES"))  # the file as it was stored before
    Report.objects.create(
        study=image.study,
        text=planted.REPORT,
        text_sha256=hashlib.sha256(planted.REPORT.encode()).hexdigest(),
    )
    out = io.StringIO()
    call_command("privacy_backfill", "--dataset", "legacy", "--reports", stdout=out)
    assert "1 files de-identified" in out.getvalue() and "1 reports scrubbed" in out.getvalue()
    stored = pydicom.dcmread(path)
    header = planted.header_text(stored).replace("20210709", "")  # this dataset's policy keeps dates
    assert planted.hits(header) == []
    assert (
        stored.SOPInstanceUID == image.sop_instance_uid and stored.PatientID == image.study.patient.pseudo_id
    )
    assert planted.hits(Report.objects.get().text) == []
    assert QCFlag.objects.get(image=image).kind == "burned_in"
    again = io.StringIO()
    call_command("privacy_backfill", "--dataset", "legacy", "--reports", stdout=again)
    assert (
        "0 files de-identified, 1 already were" in again.getvalue()
        and "0 reports scrubbed" in again.getvalue()
    )
