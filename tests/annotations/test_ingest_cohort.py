"""Every importer on the synthetic cohort, written in the public data sets' exact layouts: what is
stored matches the generator's ground truth, and a second import changes nothing. The generator and
the importers share one definition of each layout (layouts/); the first test reads every generated
file back through the importers' readers and those definitions."""

import csv

import pytest

from annotations.ingest import chestxray14 as cxr14_importer
from annotations.ingest import chexpert as chexpert_importer
from annotations.ingest import reports as reports_importer
from annotations.ingest.csvfiles import open_csv
from annotations.ingest.google_release import label_files
from annotations.ingest.google_sets import FOUR_FINDINGS, parse_value
from annotations.ingest.kermany import detect_layout, patient_of
from annotations.ingest.registry import run_importer
from annotations.models import Image, Label, LabelProvenance, Report
from annotations.services.datasets.datasets import dataset_get_or_create
from annotations.services.privacy.identity import pseudonymiser
from layouts import chestxray14 as nih
from layouts import chexpert as cx
from layouts import google_expert as google
from layouts import kermany as folders
from layouts import reports as report_csv
from layouts.label_schemas import CXR14_FINDINGS, NO_FINDING
from synthetic.ground_truth import load_ground_truth
from synthetic.nih import CXR14_DIR, GOOGLE4_DIR


@pytest.fixture
def truth(small_cohort_dir):
    return load_ground_truth(small_cohort_dir)


def count(truth, name: str) -> int:
    return sum(1 for i in truth.images if i.dataset == name)


def first_line(path) -> str:
    return path.read_bytes().split(b"\n", 1)[0].decode()


def test_generated_files_read_back_through_the_shared_layouts(small_cohort_dir, truth):
    # ChestX-ray14: NIH's header, bracketed names and trailing empty column, as the importer reads it.
    root = small_cohort_dir / CXR14_DIR
    entry = root / nih.DATA_ENTRY
    assert first_line(entry) == ",".join(nih.DATA_ENTRY_HEADER) + ","
    assert cxr14_importer.CSV_NAME == nih.DATA_ENTRY and cxr14_importer.REQUIRED == nih.METADATA_COLUMNS
    columns, rows = open_csv(entry, layout="ChestX-ray14")
    assert columns == [*nih.DATA_ENTRY_HEADER, ""]
    listed = set()
    for _, row in rows:
        name = row[nih.IMAGE_INDEX]
        assert name == nih.image_name(int(row[nih.PATIENT_ID]), int(row[nih.FOLLOW_UP]))
        assert (root / nih.IMAGES_DIR / name).is_file()
        labels = cxr14_importer.parse_finding_labels(row[nih.FINDING_LABELS])
        named = set(row[nih.FINDING_LABELS].split(nih.FINDING_SEPARATOR))
        assert named <= {*CXR14_FINDINGS, NO_FINDING}
        assert {k for k, v in labels.items() if v == "positive"} == named
        listed.add(name)
    assert listed == {i.key for i in truth.images if i.dataset == "chestxray14"}

    # CheXpert: one header for train.csv and valid.csv, Path under the release folder, labeler cells.
    chex = small_cohort_dir / cx.RELEASE_DIR
    assert chexpert_importer.REQUIRED == cx.HEADER
    paths = set()
    for split, csv_name in zip(cx.SPLITS, cx.CSV_NAMES, strict=True):
        columns, rows = open_csv(chex / csv_name, layout="CheXpert")
        assert columns == list(cx.HEADER)
        for _, row in rows:
            parts = row[cx.PATH].split("/")
            assert parts[:2] == [cx.RELEASE_DIR, split]
            assert (small_cohort_dir / row[cx.PATH]).is_file()
            lateral = row[cx.FRONTAL_LATERAL] == cx.LATERAL
            assert parts[-1] == (cx.LATERAL_FILE if lateral else cx.FRONTAL_FILE)
            assert (row[cx.AP_PA] == cx.BLANK) == lateral
            cells = {row[o] for o in cx.HEADER[len(cx.METADATA_COLUMNS) :]}
            allowed = {cx.POSITIVE, cx.NEGATIVE} if split == "valid" else {*cx.CELL_VALUES, cx.BLANK}
            assert cells <= allowed
            assert chexpert_importer.parse_observations(row) == {
                o: cx.CELL_VALUES[row[o]] for o in cx.HEADER[len(cx.METADATA_COLUMNS) :] if row[o]
            }
            paths.add(row[cx.PATH])
    assert paths == {i.key for i in truth.images if i.dataset == "chexpert"}

    # Kermany: the class folder is the label; the file name gives the patient.
    for dataset, folder, kind in (
        ("oct", folders.OCT_DIR, "oct"),
        ("pediatric", folders.PEDIATRIC_DIR, "pediatric"),
    ):
        assert detect_layout(small_cohort_dir / folder) == kind
        for image in (i for i in truth.images if i.dataset == dataset):
            top, split, cls, name = image.path.split("/")
            assert (top, cls, name) == (folder, image.label, image.key) and split in folders.SPLITS
            assert patient_of(kind, cls, name) == image.patient_id

    # Google four findings: Google's file names; the header says which set, and readers or labels.
    files = label_files(small_cohort_dir / GOOGLE4_DIR)
    assert sorted(f.path.name for f in files) == sorted(google.FOUR_FINDINGS_FILES["long"].values())
    for file in files:
        assert file.label_set is FOUR_FINDINGS
        assert file.columns.image == (google.IMAGE_ID if file.readers else nih.IMAGE_INDEX)
        reader_columns = dict(zip(FOUR_FINDINGS.findings, google.FOUR_READER_COLUMNS, strict=True))
        assert file.columns.findings == (
            reader_columns if file.readers else {f: f for f in FOUR_FINDINGS.findings}
        )
        assert file.rows
        for _, row in file.rows:
            for finding, column in file.columns.findings.items():
                assert row[column] in (google.YES, google.NO, google.HEDGE)
                hedged = row[column] == google.HEDGE
                assert not hedged or (file.readers and finding in google.HEDGE_ALLOWED)
                assert parse_value(row[column], column) == google.CELL_VALUES[row[column]]

    # Reports CSVs: ours, keyed by image for ChestX-ray14 and by study for the DICOM studies.
    for path, header, key_column in (
        (root / report_csv.REPORTS_CSV, report_csv.IMAGE_REPORTS_HEADER, report_csv.IMAGE_INDEX),
        (
            small_cohort_dir / report_csv.REPORTS_CSV,
            report_csv.STUDY_REPORTS_HEADER,
            report_csv.ACCESSION_NUMBER,
        ),
    ):
        columns, rows = open_csv(path, layout="reports CSV")
        assert tuple(columns) == header
        assert next(c for c in reports_importer.ID_COLUMNS if c in columns) == key_column
        keys = {row[key_column] for _, row in rows if row[report_csv.REPORT_TEXT]}
        assert keys == {r.key for r in truth.reports if r.key_column == key_column}


def test_chestxray14_reports_and_google4(db, small_cohort_dir, truth):
    ds, _ = dataset_get_or_create(slug="nih", schema_key="chestxray14")
    s = run_importer("chestxray14", ds, [small_cohort_dir / CXR14_DIR])
    assert (s.created, s.failed) == (count(truth, "chestxray14"), 0)
    by_key = {i.key: i for i in truth.images if i.dataset == "chestxray14"}
    for image in Image.objects.filter(dataset=ds).select_related("study__patient"):
        t = by_key[image.source_key]
        positives = set(
            Label.objects.filter(image=image, source="nlp", value="positive").values_list(
                "finding__key", flat=True
            )
        )
        with (small_cohort_dir / CXR14_DIR / nih.DATA_ENTRY).open() as fh:
            row = next(r for r in csv.DictReader(fh) if r[nih.IMAGE_INDEX] == image.source_key)
        listed = set(row[nih.FINDING_LABELS].split(nih.FINDING_SEPARATOR))
        assert positives == listed
        assert image.study.patient.pseudo_id == pseudonymiser().patient_id(t.patient_id)
        assert image.view_position == t.metadata_view
    r = run_importer("reports", ds, [small_cohort_dir / CXR14_DIR / report_csv.REPORTS_CSV])
    assert r.failed == 0 and r.reports_created == Report.objects.filter(study__dataset=ds).count() > 0
    g = run_importer("google4", ds, [small_cohort_dir / GOOGLE4_DIR])
    assert g.failed == 0
    with (small_cohort_dir / GOOGLE4_DIR / google.FOUR_FINDINGS_FILES["long"]["test"]).open() as fh:
        first = next(csv.DictReader(fh))
    image = Image.objects.get(dataset=ds, source_key=first[nih.IMAGE_INDEX])
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
    s = run_importer("chexpert", ds, [small_cohort_dir / cx.RELEASE_DIR])
    assert (s.created, s.failed) == (count(truth, "chexpert"), 0)
    with (small_cohort_dir / cx.RELEASE_DIR / cx.CSV_NAMES[0]).open() as fh:
        row = next(csv.DictReader(fh))
    image = Image.objects.get(dataset=ds, source_key=row[cx.PATH])
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
    s = run_importer("kermany", oct_ds, [small_cohort_dir / folders.OCT_DIR])
    assert (s.created, s.failed) == (count(truth, "oct"), 0)
    for image in Image.objects.filter(dataset=oct_ds):
        cls = image.source_key.split("/")[1]
        positive = Label.objects.get(image=image, value="positive")
        assert positive.finding.key == cls
    peds, _ = dataset_get_or_create(slug="peds", schema_key="pediatric_cxr")
    s = run_importer("kermany", peds, [small_cohort_dir / folders.PEDIATRIC_DIR])
    assert (s.created, s.failed) == (count(truth, "pediatric"), 0)


def test_dicom_cohort_with_reports_from_csv_and_sr(db, small_cohort_dir, truth):
    ds, _ = dataset_get_or_create(slug="dcm", schema_key="chestxray14")
    s = run_importer("dicom", ds, [small_cohort_dir / "dicom"])
    assert (s.created, s.failed) == (count(truth, "dicom"), 0)
    assert s.reports_created == sum(1 for p in (small_cohort_dir / "dicom").rglob("SR*.dcm"))
    photometrics = set(Image.objects.filter(dataset=ds).values_list("photometric_interpretation", flat=True))
    assert photometrics == {"MONOCHROME1", "MONOCHROME2"}
    r = run_importer("reports", ds, [small_cohort_dir / report_csv.REPORTS_CSV])
    assert r.failed == 0
    assert Report.objects.filter(study__dataset=ds).count() == len(
        {i.study_key for i in truth.images if i.dataset == "dicom"}
    )
