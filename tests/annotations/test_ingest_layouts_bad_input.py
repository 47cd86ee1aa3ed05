"""Public-layout importers refuse malformed CSVs whole (clear message, nothing stored) and report bad
rows per row while the good rows import."""

import pytest

from annotations.ingest.chestxray14 import import_chestxray14
from annotations.ingest.chexpert import import_chexpert
from annotations.ingest.csvfiles import CsvLayoutError
from annotations.ingest.kermany import import_kermany
from annotations.ingest.reports import import_reports_csv
from annotations.models import Image, Label, Report
from annotations.services.privacy.identity import pseudonymiser
from layouts import chestxray14 as nih
from tests.imaging import factory

HEADER = ",".join(nih.DATA_ENTRY_HEADER) + "\n"


def png(seed: int) -> bytes:
    return factory.png_bytes(factory.gradient(seed=seed, hi=255).astype("uint8"))


@pytest.fixture
def cxr14(tmp_path):
    root = tmp_path / "ChestX-ray14"
    (root / "images").mkdir(parents=True)
    (root / "images" / "00000001_000.png").write_bytes(png(1))
    (root / "images" / "00000002_000.png").write_bytes(png(2))
    return root


def test_chestxray14_with_renamed_columns_is_refused_whole(dataset, cxr14):
    (cxr14 / "Data_Entry_2017.csv").write_text(
        HEADER.replace("Finding Labels", "Labels") + "00000001_000.png,Effusion,0,1,58,M,PA,48,32,0.1,0.1\n"
    )
    with pytest.raises(CsvLayoutError) as err:
        import_chestxray14(dataset, cxr14)
    assert "'Finding Labels'" in str(err.value) and "'Labels'" in str(err.value)
    assert Image.objects.count() == 0


def test_chestxray14_bad_rows_are_reported_and_good_rows_import(dataset, cxr14):
    (cxr14 / "Data_Entry_2017.csv").write_text(
        HEADER
        + "00000001_000.png,Effusion|Mass,0,1,58,M,PA,48,32,0.1,0.1\n"
        + "00000002_000.png,Dragons,0,2,40,F,AP,48,32,0.1,0.1\n"
        + "00000003_000.png,No Finding,0,3,40,F,AP,48,32,0.1,0.1\n"
    )
    summary = import_chestxray14(dataset, cxr14)
    assert summary.created == 1
    assert sorted(e.code for e in summary.errors) == ["bad_labels", "missing_file"]
    image = Image.objects.get()
    values = dict(Label.objects.filter(image=image).values_list("finding__key", "value"))
    assert values["Effusion"] == values["Mass"] == "positive"
    assert values["Cardiomegaly"] == "negative" and values["No Finding"] == "negative"
    assert image.study.patient.pseudo_id == pseudonymiser().patient_id("00000001")
    assert image.study.patient.sex == "M"


def test_chexpert_missing_observation_column_is_refused(dataset, tmp_path):
    root = tmp_path / "CheXpert-v1.0-small"
    root.mkdir()
    (root / "train.csv").write_text("Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding\n")
    with pytest.raises(CsvLayoutError) as err:
        import_chexpert(dataset, root)
    assert "'Cardiomegaly'" in str(err.value)


def test_kermany_folder_with_wrong_classes_is_refused(dataset, tmp_path):
    (tmp_path / "OCT" / "train" / "CATS").mkdir(parents=True)
    with pytest.raises(ValueError, match="not a Kermany layout"):
        import_kermany(dataset, tmp_path / "OCT")


def test_reports_csv_needs_an_id_and_a_text_column_and_reports_unknown_studies(dataset, tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("patient,notes\nx,y\n")
    with pytest.raises(CsvLayoutError, match="needs one id column"):
        import_reports_csv(dataset, bad)
    ok = tmp_path / "ok.csv"
    ok.write_text("accession_number,report_text\nNOPE-1,No acute disease.\n,Orphan text\n")
    summary = import_reports_csv(dataset, ok)
    assert sorted(e.code for e in summary.errors) == ["missing_id", "unknown_reference"]
    assert Report.objects.count() == 0
