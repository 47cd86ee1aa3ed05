"""Final labels back to the PACS: after two readers agree, each study's labels are STOW-RS'd to a real
Orthanc as a Basic Text SR that reads back to the database's final labels; resending is idempotent,
and the next PACS import skips the SR instead of turning it into a report."""

import io

import pytest
import requests
from django.core.management import call_command

from annotations.ingest.pacs import PacsClient, PacsQuery, pacs_import
from annotations.ingest.pacs_sources import labels_sr_send, pacs_source_get_or_create
from annotations.models import IdentityMapping, Image, Job, Label, Report
from annotations.models.choices import LabelSource, Role
from annotations.selectors.read_values import schema_questions
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from annotations.services.exports.pacs_sr import read_label_sr
from annotations.services.reading.first_reads import read_submit
from annotations.services.reading.worklist import worklist_enqueue, worklist_next

pytestmark = pytest.mark.django_db


def _read_everything(dataset, readers) -> None:
    q = schema_questions(dataset.schema)
    for reader in readers:
        while (task := worklist_next(reader=reader, dataset=dataset)) is not None:
            image = task.item.image
            # Both readers agree: Effusion on even image ids, nothing else.
            labels = [
                {"finding": k, "value": "positive" if k == "Effusion" and image.pk % 2 == 0 else "negative"}
                for k in q.labelled
            ]
            read_submit(reader=reader, read_id=task.read.pk, labels=labels)


def test_final_labels_reach_the_pacs_as_an_sr(loaded_orthanc, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    dataset, _ = dataset_get_or_create(slug="sr-out", schema_key="chestxray14", readers_per_item=2)
    source, _ = pacs_source_get_or_create(dataset=dataset, url=loaded_orthanc.dicomweb_url)
    imported = pacs_import(source, PacsQuery())
    readers = [make_user(f"rad{i}") for i in range(2)]
    for reader in readers:
        membership_grant(dataset=dataset, user=reader, role=Role.RADIOLOGIST)
    worklist_enqueue(dataset=dataset)
    _read_everything(dataset, readers)
    finals = Label.objects.filter(image__dataset=dataset, source=LabelSource.ADJUDICATED)
    assert finals.exists() and not finals.exclude(provenance__how_reached="unanimous").exists()
    reports_before = dict(
        Report.objects.filter(study__dataset=dataset).values_list("study_id", "text_sha256")
    )

    result = labels_sr_send(source=source)
    n_studies = dataset.studies.count()
    assert len(result.sent) == n_studies and result.skipped == 0

    # Arbiter stores pseudonyms; the SR on the PACS names the PACS's own UIDs and patient.
    original = dict(IdentityMapping.objects.values_list("pseudonym", "original"))
    client = PacsClient(loaded_orthanc.dicomweb_url)
    try:
        for study in dataset.studies.all():
            study_uid = original[study.study_instance_uid]
            found = client.dicomweb.search_for_instances(
                study_instance_uid=study_uid, search_filters={"Modality": "SR"}
            )
            ours = []
            for inst in found:
                ds = client.dicomweb.retrieve_instance(
                    study_uid, inst["0020000E"]["Value"][0], inst["00080018"]["Value"][0]
                )
                if ds.Manufacturer == "Arbiter":
                    ours.append(ds)
            assert len(ours) == 1
            back = read_label_sr(ours[0])
            assert back.study_instance_uid == study_uid
            assert dict(back.header)["PatientID"] == original[study.patient.pseudo_id]
            got = {
                (i.sop_instance_uid, f.finding): (f.value, f.how_reached)
                for i in back.images
                for f in i.findings
            }
            want = {
                (original[lb.image.sop_instance_uid], lb.finding.key): (lb.value, lb.provenance.how_reached)
                for lb in finals.filter(image__study=study).select_related("image", "finding", "provenance")
            }
            assert got == want and got

        # Resending unchanged labels stores the same instances (no duplicates on the PACS).
        out = io.StringIO()
        call_command(
            "pacs_send_labels", "--dataset", "sr-out", "--url", loaded_orthanc.dicomweb_url, stdout=out
        )
        assert f"{n_studies} studies; 0 studies without" in out.getvalue()
        # The command ran as a Job an admin sees and can cancel: kind pacs, direction export, ended.
        job = Job.objects.get(kind="pacs", params__direction="export")
        assert (job.status, job.done, job.total) == ("succeeded", n_studies, n_studies)
        assert job.summary == {"sent": n_studies, "skipped": 0} and job.heartbeat_at is not None
        srs = client.dicomweb.search_for_instances(search_filters={"Modality": "SR"})
        assert len({i["00080018"]["Value"][0] for i in srs} & set(result.sent)) == n_studies

        # The next import sees the SRs (study counts grew) but never turns them into reports.
        rerun = pacs_import(source, PacsQuery())
        assert rerun.instances_skipped == n_studies and rerun.summary.created == 0
        assert dict(Report.objects.filter(study__dataset=dataset).values_list("study_id", "text_sha256")) == (
            reports_before
        )
        assert Image.objects.filter(dataset=dataset).count() == imported.summary.created
    finally:  # leave the shared Orthanc as the other tests expect it
        for uid in result.sent:
            for hit in requests.post(f"{loaded_orthanc.url}/tools/lookup", data=uid, timeout=10).json():
                if hit.get("Type") == "Instance":
                    loaded_orthanc.delete_instance(hit["ID"])


def test_a_label_export_cancelled_before_it_runs_sends_nothing_and_stays_cancelled(loaded_orthanc, make_user):
    from annotations.services.jobs.records import job_cancel
    from annotations.tasks.pacs import pacs_labels_job_create, pacs_send_labels_job

    dataset, _ = dataset_get_or_create(slug="sr-cancel", schema_key="chestxray14")
    source, _ = pacs_source_get_or_create(dataset=dataset, url=loaded_orthanc.dicomweb_url)
    admin = make_user("pacs-admin", staff=True)
    job = pacs_labels_job_create(source)
    job_cancel(job=job, user=admin)
    assert pacs_send_labels_job.apply(args=(job.pk,)).get() == {"job": job.pk, "skipped": True}
    job.refresh_from_db()
    assert (job.status, job.done, job.summary) == ("cancelled", 0, {})
