"""generate_cohort: deterministic bytes, the published layouts, DICOM encodings, ground truth."""

import csv
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_modality_lut

from synthetic import CXR14_FINDINGS, SyntheticDataError
from synthetic.__main__ import main
from synthetic.builder import PREVALENCE, sample_findings
from synthetic.cohort import CohortConfig, generate_cohort, load_ground_truth
from synthetic.reports import CHEXPERT_OBSERVATIONS

# Small but exercising every path: high quirk rates, every DICOM encoding, SR.
SMALL = dict(
    n_cxr_patients=8,
    n_oct_patients=4,
    n_pediatric=5,
    n_chexpert_patients=6,
    n_dicom_patients=12,
    image_size=48,
    rotated_rate=0.25,
    inverted_rate=0.25,
    lateral_rate=0.15,
    non_chest_rate=0.15,
    pediatric_rate=0.2,
    dicom_rle_rate=0.25,
    dicom_j2k_rate=0.3,
    dicom_implicit_rate=0.15,
    dicom_monochrome1_rate=0.5,
    dicom_rescale_rate=0.5,
    dicom_voi_lut_rate=0.4,
    dicom_sr_rate=0.6,
    oct_qc=True,
)
NIH_HEADER = (
    "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
    "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],"
)
CHEXPERT_HEADER = (
    "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Enlarged Cardiomediastinum,Cardiomegaly,Lung Opacity,"
    "Lung Lesion,Edema,Consolidation,Pneumonia,Atelectasis,Pneumothorax,Pleural Effusion,Pleural Other,"
    "Fracture,Support Devices"
)


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort")
    manifest = generate_cohort(out, CohortConfig(seed=3, **SMALL))
    return out, manifest


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_same_seed_same_bytes_other_seed_other_bytes(cohort, tmp_path):
    out, _ = cohort
    again = generate_cohort(tmp_path / "again", CohortConfig(seed=3, **SMALL))
    assert _digest(out) == _digest(again.out_dir)
    other = _digest(generate_cohort(tmp_path / "other", CohortConfig(seed=4, **SMALL)).out_dir)
    first = _digest(out)
    shared = set(first) & set(other)
    assert sum(first[k] != other[k] for k in shared) > 0.9 * len(shared)


def test_regenerating_in_place_replaces_only_owned_entries(tmp_path):
    config = CohortConfig(seed=1, **{**SMALL, "n_dicom_patients": 2, "n_chexpert_patients": 2})
    generate_cohort(tmp_path, config)
    (tmp_path / "mine.txt").write_text("keep me")
    (tmp_path / "chestxray14" / "stale.png").write_bytes(b"old")
    before = _digest(tmp_path)
    generate_cohort(tmp_path, config)
    after = _digest(tmp_path)
    assert "mine.txt" in after and "chestxray14/stale.png" not in after
    assert {k: v for k, v in before.items() if k != "chestxray14/stale.png"} == after


def test_manifest_lists_what_is_on_disk(cohort):
    out, manifest = cohort
    on_disk = set(_digest(out))
    assert set(manifest.files) == on_disk
    assert manifest.counts["images"] == sum(len(v) for v in manifest.image_paths.values())
    assert all((out / p).is_file() for paths in manifest.image_paths.values() for p in paths)


def test_chestxray14_layout(cohort):
    out, _ = cohort
    entry = out / "chestxray14" / "Data_Entry_2017.csv"
    lines = entry.read_text(encoding="utf-8").splitlines()
    assert lines[0] == NIH_HEADER
    gt = {i.key: i for i in load_ground_truth(out).by_dataset("chestxray14")}
    reports = {r.key: r for r in load_ground_truth(out).reports if r.dataset == "chestxray14"}
    rows = list(csv.reader(lines[1:]))
    assert len(rows) == len(gt)
    for row in rows:
        assert len(row) == 12 and row[11] == ""
        name, labels, follow_up, patient, age, sex, view = row[:7]
        assert re.fullmatch(r"\d{8}_\d{3}\.png", name) and int(name[:8]) == int(patient)
        assert int(name[9:12]) == int(follow_up)
        assert sex in ("M", "F") and view in ("PA", "AP") and 0 < int(age) < 100
        assert int(row[7]) >= 2048 and float(row[9]) == float(row[10]) > 0
        mined = [f for f in CXR14_FINDINGS if reports[name].labels[f] == "positive"]
        assert labels == ("|".join(sorted(mined)) or "No Finding")
        with Image.open(out / "chestxray14" / "images" / name) as im:
            assert im.format == "PNG" and im.mode == "L" and im.size == (48, 48)
            assert not im.info.get("date") and "exif" not in im.info
    report_rows = _rows(out / "chestxray14" / "reports.csv")
    assert {r["image_index"] for r in report_rows} == set(gt)
    assert all(r["report_text"].startswith("EXAMINATION:") for r in report_rows)


def test_google4_layout_refers_to_chestxray14_images(cohort):
    out, _ = cohort
    names = {i.key for i in load_ground_truth(out).by_dataset("chestxray14")}
    truth = {i.key: set(i.findings) for i in load_ground_truth(out).by_dataset("chestxray14")}
    seen = 0
    for split in ("test", "validation"):
        path = out / "google4" / f"four_findings_expert_labels_{split}_labels.csv"
        header = path.read_text().splitlines()[0].split(",")
        assert header[0] == "Image Index" and header[-4:] == [
            "Fracture",
            "Pneumothorax",
            "Airspace opacity",
            "Nodule or mass",
        ]
        for row in _rows(path):
            seen += 1
            assert row["Image Index"] in names
            assert {row[c] for c in header[-4:]} <= {"YES", "NO"}
            assert (row["Pneumothorax"] == "YES") == ("Pneumothorax" in truth[row["Image Index"]])
            assert (row["Nodule or mass"] == "YES") == bool({"Nodule", "Mass"} & truth[row["Image Index"]])
    readers = _rows(out / "google4" / "four_findings_expert_labels_individual_readers.csv")
    assert seen and len(readers) == 3 * seen
    assert {r["Image ID"] for r in readers} <= names
    assert all(re.fullmatch(r"\d{10}", r["Reader ID"]) for r in readers)
    assert {r["Fracture"] for r in readers} | {r["Airspace opacity"] for r in readers} <= {"YES", "NO"}
    assert {r["Pneumothorax"] for r in readers} | {r["Nodule/mass"] for r in readers} <= {
        "YES",
        "NO",
        "HEDGE",
    }


def test_chexpert_layout(cohort):
    out, _ = cohort
    root = out / "CheXpert-v1.0-small"
    reports = {r.report_id: r for r in load_ground_truth(out).reports if r.dataset == "chexpert"}
    for split in ("train", "valid"):
        path = root / f"{split}.csv"
        assert path.read_text().splitlines()[0] == CHEXPERT_HEADER
        rows = _rows(path)
        assert rows
        for row in rows:
            assert re.fullmatch(
                rf"CheXpert-v1\.0-small/{split}/patient\d{{5}}/study\d+/view\d_(frontal|lateral)\.jpg",
                row["Path"],
            )
            assert (out / row["Path"]).is_file()
            assert row["Sex"] in ("Male", "Female")
            lateral = row["Path"].endswith("lateral.jpg")
            assert row["Frontal/Lateral"] == ("Lateral" if lateral else "Frontal")
            assert row["AP/PA"] == ("" if lateral else row["AP/PA"]) and (
                lateral or row["AP/PA"] in ("AP", "PA")
            )
            allowed = {"1.0", "0.0", "-1.0", ""} if split == "train" else {"1.0", "0.0"}
            assert {row[o] for o in CHEXPERT_OBSERVATIONS} <= allowed
            if split == "train":
                study = row["Path"].split("/", 2)[2].rsplit("/", 1)[0]
                report = reports[f"chexpert:{split}/{study}"]
                assert [row[o] for o in CHEXPERT_OBSERVATIONS] == [
                    report.chexpert[o] for o in CHEXPERT_OBSERVATIONS
                ]


def test_kermany_layouts(cohort):
    out, _ = cohort
    oct_files = list((out / "OCT2017").rglob("*.jpeg"))
    assert oct_files
    for p in oct_files:
        split, cls = p.parent.parent.name, p.parent.name
        assert split in ("train", "test") and cls in ("CNV", "DME", "DRUSEN", "NORMAL")
        assert re.fullmatch(rf"{cls}-\d{{7}}-\d+\.jpeg", p.name)
    peds = list((out / "chest_xray").rglob("*.jpeg"))
    assert peds
    for p in peds:
        cls = p.parent.name
        pattern = (
            r"(NORMAL2-)?IM-\d{4}-\d{4}\.jpeg" if cls == "NORMAL" else r"person\d+_(bacteria|virus)_\d+\.jpeg"
        )
        assert re.fullmatch(pattern, p.name), p.name
        with Image.open(p) as im:
            assert im.format == "JPEG" and im.mode == "L"
    by_patient = {}
    for item in load_ground_truth(out).by_dataset("oct") + load_ground_truth(out).by_dataset("pediatric"):
        by_patient.setdefault((item.dataset, item.patient_id), set()).add(item.split)
    assert all(len(splits) == 1 for splits in by_patient.values())  # patient-level split


def test_dicom_files_are_valid_and_match_the_ground_truth(cohort):
    out, _ = cohort
    gt = load_ground_truth(out)
    images = {i.path: i for i in gt.by_dataset("dicom")}
    syntaxes, photometrics, slopes, voi, sr = set(), set(), set(), 0, 0
    report_rows = {r["accession_number"]: r for r in _rows(out / "reports.csv")}
    for path in sorted((out / "dicom").rglob("*.dcm")):
        ds = pydicom.dcmread(path)
        rel = path.relative_to(out).as_posix()
        assert ds.AccessionNumber == path.parent.name and ds.AccessionNumber in report_rows
        assert report_rows[ds.AccessionNumber]["study_instance_uid"] == ds.StudyInstanceUID
        assert ds.PatientName == ds.PatientID and ds.PatientID.startswith("SYN")
        assert re.fullmatch(r"\d{3}[YM]", ds.PatientAge) and ds.PatientSex in ("M", "F")
        assert re.fullmatch(r"\d{8}", ds.StudyDate)
        if ds.Modality == "SR":
            sr += 1
            assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.11"
            text = "\n".join(item.TextValue for item in ds.ContentSequence)
            assert text.splitlines()[-1] in report_rows[ds.AccessionNumber]["report_text"]
            continue
        truth = images[rel]
        assert ds.SOPInstanceUID == truth.key and ds.Modality in ("CR", "DX")
        assert ds.ViewPosition == truth.metadata_view and ds.ViewPosition in ("PA", "AP", "LL")
        assert ds.BodyPartExamined == truth.metadata_body_part
        syntaxes.add(ds.file_meta.TransferSyntaxUID.name)
        photometrics.add(ds.PhotometricInterpretation)
        slopes.add(float(ds.RescaleSlope))
        voi += "VOILUTSequence" in ds
        modality = apply_modality_lut(ds.pixel_array, ds).astype(np.float64) / 4095.0
        presented = 1.0 - modality if ds.PhotometricInterpretation == "MONOCHROME1" else modality
        # bodies sit in the middle of dark air; an inverted image has bright corners
        n = presented.shape[0] // 8
        corners = np.concatenate(
            [presented[:n, :n], presented[:n, -n:], presented[-n:, :n], presented[-n:, -n:]]
        ).mean()
        centre = presented[2 * n : -2 * n, 2 * n : -2 * n].mean()
        assert (corners > centre) == truth.inverted, rel
    assert len(syntaxes) == 4 and photometrics == {"MONOCHROME1", "MONOCHROME2"}
    assert len(slopes) > 1 and voi and sr


def test_raster_polarity_matches_ground_truth(cohort):
    out, _ = cohort
    for item in load_ground_truth(out).images:
        if item.dataset in ("dicom", "oct"):
            continue
        with Image.open(out / item.path) as im:
            pixels = np.asarray(im, dtype=np.float64) / 255.0
        n = pixels.shape[0] // 8
        corners = np.concatenate([pixels[:n, :n], pixels[:n, -n:], pixels[-n:, :n], pixels[-n:, -n:]]).mean()
        centre = pixels[2 * n : -2 * n, 2 * n : -2 * n].mean()
        assert (corners > centre) == item.inverted, item.path


def test_ground_truth_covers_every_quirk(cohort):
    out, _ = cohort
    gt = load_ground_truth(out)
    chest = [i for i in gt.images if i.dataset != "oct"]
    assert {i.rotation for i in gt.images} == {0, 90, 180, 270}
    assert any(i.inverted for i in gt.images) and any(i.pediatric and i.age_years < 10 for i in chest)
    assert {i.body_part for i in chest} >= {"CHEST", "HAND", "KNEE", "ABDOMEN"} - {""} or len(
        {i.body_part for i in chest}
    ) >= 3
    assert any(
        i.view == "LATERAL" and i.metadata_view in ("PA", "AP") for i in chest
    )  # lateral labelled frontal
    assert all(not i.findings for i in chest if i.body_part != "CHEST")
    assert {r.dataset for r in gt.reports} == {"chestxray14", "chexpert", "dicom"}


def test_misleading_reports_follow_the_rate(tmp_path):
    zero = generate_cohort(tmp_path / "z", CohortConfig(seed=2, misleading_rate=0.0, **SMALL)).ground_truth()
    assert not any(r.misleading for r in zero.reports)
    every = generate_cohort(tmp_path / "e", CohortConfig(seed=2, misleading_rate=1.0, **SMALL)).ground_truth()
    chest_reports = [r for r in every.reports if "EXAMINATION: Chest" in r.text]
    assert chest_reports and all(r.misleading in ("missed", "overcall") for r in chest_reports)


def test_large_shadow_findings_are_common_enough():
    rng = np.random.default_rng(0)
    draws = [sample_findings(rng, 0.35) for _ in range(4000)]
    for finding in ("Cardiomegaly", "Effusion", "Pneumothorax", "Consolidation", "Mass", "Edema"):
        assert np.mean([finding in d for d in draws]) >= 0.15, finding
    assert np.mean([not d for d in draws]) == pytest.approx(0.35, abs=0.03)
    assert set(PREVALENCE) == set(CXR14_FINDINGS)


@pytest.mark.parametrize(
    "bad", [dict(image_size=8), dict(seed=-1), dict(rotated_rate=1.5), dict(n_cxr_patients=-2)]
)
def test_bad_config_is_refused(tmp_path, bad):
    with pytest.raises(SyntheticDataError):
        generate_cohort(tmp_path, CohortConfig(**bad))


def test_load_ground_truth_without_a_cohort_explains(tmp_path):
    with pytest.raises(SyntheticDataError, match="generate_cohort"):
        load_ground_truth(tmp_path)


def test_command_line(tmp_path, capsys):
    args = [str(tmp_path), "--seed", "5", "--size", "40", "--n-cxr-patients", "2", "--n-oct-patients", "1",
            "--n-pediatric", "1", "--n-chexpert-patients", "2", "--n-dicom-patients", "1"]  # fmt: skip
    assert main(args) == 0
    assert "wrote synthetic cohort" in capsys.readouterr().out
    gt = load_ground_truth(tmp_path)
    assert gt.config["seed"] == 5 and gt.config["image_size"] == 40
    assert main([str(tmp_path), "--image-size", "3"]) == 2


def test_package_imports_no_django():
    code = (
        "import sys, pkgutil, importlib, synthetic as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module('synthetic.' + m.name)\n"
        "prefixes = ('django.', 'annotations', 'config')\n"
        "bad = [m for m in sys.modules if m == 'django' or m.startswith(prefixes)]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
