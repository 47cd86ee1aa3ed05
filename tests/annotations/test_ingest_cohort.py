"""Every importer on the synthetic cohort, written in the public data sets' exact layouts: what is
stored matches the generator's ground truth, and a second import changes nothing."""

import csv

import pytest

from annotations.ingest.registry import run_importer
from annotations.models import Image, Label, LabelProvenance, Report
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.privacy.identity import pseudonymiser
from synthetic.ground_truth import load_ground_truth


@pytest.fixture
def truth(small_cohort_dir):
    return load_ground_truth(small_cohort_dir)


def count(truth, name: str) -> int:
    return sum(1 for i in truth.images if i.dataset == name)


def test_chestxray14_reports_and_google4(db, small_cohort_dir, truth):
    ds, _ = dataset_get_or_create(slug="nih", schema_key="chestxray14")
    s = run_importer("chestxray14", ds, [small_cohort_dir / "chestxray14"])
    assert (s.created, s.failed) == (count(truth, "chestxray14"), 0)
    by_key = {i.key: i for i in truth.images if i.dataset == "chestxray14"}
    for image in Image.objects.filter(dataset=ds).select_related("study__patient"):
        t = by_key[image.source_key]
        positives = set(
            Label.objects.filter(image=image, source="nlp", value="positive").values_list(
                "finding__key", flat=True
            )
        )
        with (small_cohort_dir / "chestxray14" / "Data_Entry_2017.csv").open() as fh:
            row = next(r for r in csv.DictReader(fh) if r["Image Index"] == image.source_key)
        listed = set(row["Finding Labels"].split("|"))
        assert positives == listed
        assert image.study.patient.pseudo_id == pseudonymiser().patient_id(t.patient_id)
        assert image.view_position == t.metadata_view
    r = run_importer("reports", ds, [small_cohort_dir / "chestxray14" / "reports.csv"])
    assert r.failed == 0 and r.reports_created == Report.objects.filter(study__dataset=ds).count() > 0
    g = run_importer("google4", ds, [small_cohort_dir / "google4"])
    assert g.failed == 0
    with (small_cohort_dir / "google4" / "four_findings_expert_labels_test_labels.csv").open() as fh:
        first = next(csv.DictReader(fh))
    image = Image.objects.get(dataset=ds, source_key=first["Image Index"])
    final = Label.objects.get(image=image, source="adjudicated", finding__key="Pneumothorax")
    assert final.value == ("positive" if first["Pneumothorax"] == "YES" else "negative")
    assert final.provenance.how_reached == "imported" and "Google" in final.provenance.reason
    assert Label.objects.filter(image=image, source="reader").exists()
    # Re-running every import adds nothing.
    before = (
        Image.objects.count(),
        Label.objects.count(),
        LabelProvenance.objects.count(),
        Report.objects.count(),
    )
    for name, path in [
        ("chestxray14", "chestxray14"),
        ("reports", "chestxray14/reports.csv"),
        ("google4", "google4"),
    ]:
        again = run_importer(name, ds, [small_cohort_dir / path])
        assert again.created == 0 and again.failed == 0 and again.labels_created == 0
    after = (
        Image.objects.count(),
        Label.objects.count(),
        LabelProvenance.objects.count(),
        Report.objects.count(),
    )
    assert after == before


def test_chexpert_values_match_the_csv(db, small_cohort_dir, truth):
    ds, _ = dataset_get_or_create(slug="chexpert", schema_key="chexpert")
    s = run_importer("chexpert", ds, [small_cohort_dir / "CheXpert-v1.0-small"])
    assert (s.created, s.failed) == (count(truth, "chexpert"), 0)
    with (small_cohort_dir / "CheXpert-v1.0-small" / "train.csv").open() as fh:
        row = next(csv.DictReader(fh))
    image = Image.objects.get(dataset=ds, source_key=row["Path"])
    stored = dict(Label.objects.filter(image=image).values_list("finding__key", "value"))
    expected = {
        k: {"1.0": "positive", "0.0": "negative", "-1.0": "uncertain"}[v]
        for k, v in row.items()
        if k in stored or v in ("1.0", "0.0", "-1.0")
        if v in ("1.0", "0.0", "-1.0")
    }
    assert stored == expected
    assert image.view_position in ("AP", "PA", "LL")


def test_kermany_oct_and_pediatric(db, small_cohort_dir, truth):
    oct_ds, _ = dataset_get_or_create(slug="oct", modality="OCT", schema_key="oct4")
    s = run_importer("kermany", oct_ds, [small_cohort_dir / "OCT2017"])
    assert (s.created, s.failed) == (count(truth, "oct"), 0)
    for image in Image.objects.filter(dataset=oct_ds):
        cls = image.source_key.split("/")[1]
        positive = Label.objects.get(image=image, value="positive")
        assert positive.finding.key == cls
    peds, _ = dataset_get_or_create(slug="peds", schema_key="pediatric_cxr")
    s = run_importer("kermany", peds, [small_cohort_dir / "chest_xray"])
    assert (s.created, s.failed) == (count(truth, "pediatric"), 0)


def test_dicom_cohort_with_reports_from_csv_and_sr(db, small_cohort_dir, truth):
    ds, _ = dataset_get_or_create(slug="dcm", schema_key="chestxray14")
    s = run_importer("dicom", ds, [small_cohort_dir / "dicom"])
    assert (s.created, s.failed) == (count(truth, "dicom"), 0)
    assert s.reports_created == sum(1 for p in (small_cohort_dir / "dicom").rglob("SR*.dcm"))
    photometrics = set(Image.objects.filter(dataset=ds).values_list("photometric_interpretation", flat=True))
    assert photometrics == {"MONOCHROME1", "MONOCHROME2"}
    r = run_importer("reports", ds, [small_cohort_dir / "reports.csv"])
    assert r.failed == 0
    assert Report.objects.filter(study__dataset=ds).count() == len(
        {i.study_key for i in truth.images if i.dataset == "dicom"}
    )
