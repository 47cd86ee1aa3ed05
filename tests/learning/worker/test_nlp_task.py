"""NLP labelling of a dataset's stored reports as a task: labels per image with evidence spans that
point into the stored report text, agreement with what the generator wrote, idempotent reruns."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from annotations.ingest.registry import run_importer
from annotations.models import Job, Label, Report
from annotations.services.datasets.datasets import dataset_get_or_create, membership_grant
from learning.tasks.nlp import label_dataset_reports
from synthetic.ground_truth import load_ground_truth


@pytest.fixture
def nih(db, small_cohort_dir):
    ds, _ = dataset_get_or_create(slug="nih-nlp", schema_key="chestxray14")
    run_importer("chestxray14", ds, [small_cohort_dir / "chestxray14"])
    run_importer("reports", ds, [small_cohort_dir / "chestxray14" / "reports.csv"])
    return ds


def start_job(dataset, make_user, capture) -> Job:
    admin = make_user("nlp-admin")
    membership_grant(dataset=dataset, user=admin, role="admin")
    client = APIClient()
    client.force_authenticate(admin)
    with capture(execute=True):
        r = client.post(f"/api/v1/datasets/{dataset.pk}/nlp/")
    assert r.status_code == 202, r.content
    return Job.objects.get(pk=r.json()["id"])


def test_nlp_job_labels_every_report_with_evidence(
    nih, small_cohort_dir, make_user, eager_celery, django_capture_on_commit_callbacks
):
    job = start_job(nih, make_user, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    n_reports = Report.objects.filter(study__dataset=nih).count()
    assert job.summary["reports"] == n_reports > 0 and job.summary["errors"] == 0
    version = job.summary["pipeline_version"]
    labels = Label.objects.filter(image__dataset=nih, source="nlp", source_version=version)
    assert labels.values("image").distinct().count() == nih.images.count()
    # Evidence spans are offsets into the stored report text.
    with_evidence = [lab for lab in labels.select_related("image__study__report") if lab.evidence][:50]
    assert with_evidence
    for lab in with_evidence:
        text = lab.image.study.report.text
        for ev in lab.evidence:
            assert text[ev["start"] : ev["end"]] == ev["text"]
    # The labels agree with what the generator says each report states.
    truth = {
        r.key: r.labels for r in load_ground_truth(small_cohort_dir).reports if r.dataset == "chestxray14"
    }
    agree = total = 0
    for lab in labels.select_related("image", "finding"):
        said = truth[lab.image.source_key].get(lab.finding.key)
        if said is None:
            continue
        total += 1
        agree += (said or "blank") == lab.value
    assert total > 300 and agree / total >= 0.95, agree / total
    # Rerunning labels nothing new.
    count = labels.count()
    second = Job.objects.create(kind="nlp", dataset=nih)
    label_dataset_reports.delay(second.pk)
    second.refresh_from_db()
    assert second.summary["reports"] == 0 and labels.count() == count


def test_label_reports_command_writes_the_chexpert_convention(tmp_path):
    src = tmp_path / "reports.csv"
    src.write_text('"FINDINGS: Small left pleural effusion. No pneumothorax."\n"IMPRESSION: Normal chest."\n')
    out = tmp_path / "labels.csv"
    call_command("label_reports", "--input", str(src), "--output", str(out), "--schema", "chexpert")
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    assert header[0] == "Reports" and "Pleural Effusion" in header and "Pneumothorax" in header
    import csv

    rows = list(csv.DictReader(out.open()))
    assert rows[0]["Pleural Effusion"] == "1.0" and rows[0]["Pneumothorax"] == "0.0"
    assert rows[1]["No Finding"] == "1.0" and rows[1]["Pleural Effusion"] == ""
