"""The published layouts, pinned to the text the data sets' owners publish: a change to a definition
in layouts/ that would change what Arbiter writes or accepts fails here, spelled out in full."""

import csv
import io

import pytest

from layouts import chestxray14, chexpert, google_expert, kermany, reports


def split(line: str) -> tuple[str, ...]:
    """A header line as a CSV reader splits it (the bracketed names fall apart on their commas)."""
    return tuple(next(csv.reader(io.StringIO(line))))


def test_nih_data_entry_header_as_published():
    line = (
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
        "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y]"
    )
    assert split(line) == chestxray14.DATA_ENTRY_HEADER
    assert chestxray14.DATA_ENTRY == "Data_Entry_2017.csv"
    assert split(line)[:7] == chestxray14.METADATA_COLUMNS
    assert chestxray14.POSITION["View Position"] == 6
    assert chestxray14.image_name(1, 0) == "00000001_000.png"
    assert chestxray14.image_name(30805, 12) == "00030805_012.png"
    assert chestxray14.finding_labels(["Effusion", "Mass"]) == "Effusion|Mass"
    assert chestxray14.finding_labels([]) == "No Finding"


def test_chexpert_header_path_and_cells_as_published():
    line = (
        "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,"
        "Lung Opacity,Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,"
        "Pleural Effusion,Pleural Other,Fracture,Support Devices"
    )
    assert split(line) == chexpert.HEADER
    assert chexpert.CSV_NAMES == ("train.csv", "valid.csv")
    assert (
        chexpert.image_path("train", 1, 1, chexpert.FRONTAL_FILE)
        == "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg"
    )
    assert chexpert.CELLS == {"positive": "1.0", "negative": "0.0", "uncertain": "-1.0"}
    # every written cell reads back as what was written
    assert all(chexpert.CELL_VALUES[cell] == value for value, cell in chexpert.CELLS.items())
    assert chexpert.BLANK not in chexpert.CELL_VALUES


def test_kermany_oct_names():
    assert kermany.oct_name("CNV", 1016042, 1) == "CNV-1016042-1.jpeg"
    assert kermany.oct_patient("CNV", "CNV-1016042-1.jpeg") == "1016042"
    assert kermany.oct_patient("CNV", "cnv-12-3.jpg") == "12"  # as some copies spell them
    with pytest.raises(ValueError):
        kermany.oct_patient("CNV", "DME-12-3.jpeg")  # not its folder's class
    with pytest.raises(ValueError):
        kermany.oct_patient("CNV", "CNV-12-3.png")


def test_kermany_pediatric_names_round_trip():
    assert kermany.pediatric_normal_name(7, 1) == "IM-0007-0001.jpeg"
    assert kermany.pediatric_normal_name(7, 1, normal2=True) == "NORMAL2-IM-0007-0001.jpeg"
    assert kermany.pediatric_pneumonia_name(3, "virus", 41) == "person3_virus_41.jpeg"
    assert kermany.pediatric_patient("NORMAL2-IM-0007-0001.jpeg") == "0007"
    assert kermany.pediatric_patient("person3_virus_41.jpeg") == "person3"
    with pytest.raises(ValueError):
        kermany.pediatric_patient("person3_fungus_41.jpeg")
    assert (kermany.OCT_DIR, kermany.PEDIATRIC_DIR) == ("OCT2017", "chest_xray")


def test_google_release_names_and_headers_as_published():
    g = google_expert
    assert g.TOP_FOLDER == "gcs-public-data--healthcare-nih-chest-xray-labels"
    assert {
        "four_findings_expert_labels_individual_readers.csv",
        "four_findings_expert_labels_test_labels.csv",
        "four_findings_expert_labels_validation_labels.csv",
        "all_findings_expert_labels_test_individual_readers.csv",
        "all_findings_expert_labels_test_labels.csv",
        "individual_readers.csv",
        "test_labels.csv",
        "validation_labels.csv",
        "test_individual_readers.csv",
    } == g.PUBLISHED_NAMES
    assert all(n.endswith(g.LABEL_FILE_SUFFIXES) for n in g.PUBLISHED_NAMES)
    assert ",".join(g.FOUR_READERS_HEADER) == (
        "Patient ID,Image ID,Reader ID,Fracture,Pneumothorax,Airspace opacity,Nodule/mass,Set ID"
    )
    assert ",".join(g.FOUR_LABELS_HEADER) == (
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
        "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],"
        "Fracture,Pneumothorax,Airspace opacity,Nodule or mass,Set Id"
    )
    findings = (
        "Abnormal,Atelectasis,Cardiomegaly,Effusion,Infiltration,Mass,Nodule,Pneumonia,Pneumothorax,"
        "Consolidation,Edema,Emphysema,Fibrosis,Pleural Thickening,Hernia,Other"
    )
    assert ",".join(g.ALL_LABELS_HEADER) == f"Image ID,Patient ID,{findings}"
    assert ",".join(g.ALL_READERS_HEADER) == f"Image ID,Patient ID,Reader ID,{findings}"
    # the column that tells the two sets apart is in one set's files only
    assert g.FOUR_FINDINGS_MARKER in g.FOUR_READERS_HEADER
    assert g.FOUR_FINDINGS_MARKER not in g.ALL_LABELS_HEADER
    assert g.ALL_FINDINGS_MARKER in g.ALL_READERS_HEADER
    assert g.ALL_FINDINGS_MARKER not in g.FOUR_LABELS_HEADER
    assert {g.CELL_VALUES[c] for c in (g.YES, g.NO, g.HEDGE)} == {"positive", "negative", "uncertain"}


def test_reports_csv_headers():
    assert ",".join(reports.STUDY_REPORTS_HEADER) == "accession_number,study_instance_uid,report_text"
    assert ",".join(reports.IMAGE_REPORTS_HEADER) == "image_index,report_text"
    assert reports.ID_COLUMNS[0] == reports.ACCESSION_NUMBER
    assert reports.TEXT_COLUMNS[0] == reports.REPORT_TEXT
