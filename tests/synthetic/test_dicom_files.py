"""DICOM writing: stored values, photometric interpretation, rescale, VOI LUT, compression, SR."""

from dataclasses import replace

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from synthetic import SyntheticDataError, render_cxr
from synthetic.dicom_files import (
    BASIC_TEXT_SR_STORAGE,
    MAX_STORED,
    DicomImageSpec,
    SrSpec,
    sr_text,
    write_dicom_image,
    write_text_sr,
)

SPEC = DicomImageSpec(
    patient_id="SYN0001",
    patient_name="SYN0001",
    patient_sex="F",
    patient_age="045Y",
    study_uid="2.25.1",
    series_uid="2.25.2",
    sop_uid="2.25.3",
    accession_number="0000000001",
    study_date="20200102",
    study_time="101010",
)


@pytest.fixture(scope="module")
def image():
    return render_cxr(np.random.default_rng(0), ["Effusion"], size=64)


def _presented(ds):
    """Modality values scaled to [0, 1] with MONOCHROME1 turned to 'bright = dense'."""
    modality = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        modality = MAX_STORED - modality
    return modality / MAX_STORED


@pytest.mark.parametrize("syntax", ["explicit", "implicit", "rle", "j2k"])
@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
@pytest.mark.parametrize("rescale", [(1.0, 0.0), (2.0, -1024.0), (1.5, -500.0)])
def test_round_trip_reproduces_the_image(tmp_path, image, syntax, photometric, rescale):
    spec = replace(
        SPEC,
        transfer_syntax=syntax,
        photometric=photometric,
        rescale_slope=rescale[0],
        rescale_intercept=rescale[1],
    )
    path = tmp_path / "x.dcm"
    write_dicom_image(path, image, spec)
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID.is_compressed == (syntax in ("rle", "j2k"))
    assert ds.SOPInstanceUID == SPEC.sop_uid == ds.file_meta.MediaStorageSOPInstanceUID
    assert (ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation) == (16, 12, 11, 0)
    stored = ds.pixel_array
    assert stored.dtype == np.uint16 and stored.max() <= MAX_STORED
    tolerance = (rescale[0] / 2 + 0.5) / MAX_STORED + 1e-9
    assert np.abs(_presented(ds) - image).max() <= tolerance


def test_monochrome1_stores_inverted_values(tmp_path, image):
    write_dicom_image(tmp_path / "m1.dcm", image, replace(SPEC, photometric="MONOCHROME1"))
    write_dicom_image(tmp_path / "m2.dcm", image, SPEC)
    m1 = pydicom.dcmread(tmp_path / "m1.dcm").pixel_array.astype(int)
    m2 = pydicom.dcmread(tmp_path / "m2.dcm").pixel_array.astype(int)
    assert np.array_equal(m1, MAX_STORED - m2)
    assert np.corrcoef(m1.ravel(), image.ravel())[0, 1] < -0.99


def test_rescale_is_really_applied_to_stored_values(tmp_path, image):
    write_dicom_image(tmp_path / "r.dcm", image, replace(SPEC, rescale_slope=2.0, rescale_intercept=-1024.0))
    ds = pydicom.dcmread(tmp_path / "r.dcm")
    stored = ds.pixel_array.astype(np.float64)
    assert (float(ds.RescaleSlope), float(ds.RescaleIntercept)) == (2.0, -1024.0)
    # the raw stored values alone are NOT the image; stored * 2 - 1024 is
    assert np.abs(stored / MAX_STORED - image).max() > 0.1
    assert np.abs((stored * 2 - 1024) / MAX_STORED - image).max() < 1.5 / MAX_STORED


@pytest.mark.parametrize("rescale", [(4.0, 0.0), (2.0, -1024.0)])
def test_window_and_voi_lut(tmp_path, image, rescale):
    spec = replace(SPEC, voi_lut=True, rescale_slope=rescale[0], rescale_intercept=rescale[1])
    write_dicom_image(tmp_path / "v.dcm", image, spec)
    ds = pydicom.dcmread(tmp_path / "v.dcm")
    modality = np.rint(apply_modality_lut(ds.pixel_array, ds)).astype(np.int32)
    center, width = float(ds.WindowCenter), float(ds.WindowWidth)
    assert modality.min() >= center - width / 2 and modality.max() <= center + width / 2
    lut = ds.VOILUTSequence[0]
    assert lut.LUTDescriptor[1] >= 0 and lut.LUTDescriptor[2] == 12
    assert modality.min() >= lut.LUTDescriptor[1]
    assert modality.max() < lut.LUTDescriptor[1] + lut.LUTDescriptor[0]
    shown = apply_voi_lut(modality, ds, prefer_lut=True)
    assert shown.max() <= MAX_STORED
    assert np.corrcoef(shown.ravel().astype(float), image.ravel())[0, 1] > 0.9  # monotone curve


def test_rescale_that_cannot_fit_12_bits_is_refused(tmp_path, image):
    with pytest.raises(SyntheticDataError, match="12-bit"):
        write_dicom_image(
            tmp_path / "bad.dcm", image, replace(SPEC, rescale_slope=1.0, rescale_intercept=-2000.0)
        )


def test_text_sr_carries_the_report(tmp_path):
    sections = (("FINDINGS", "Small left effusion."), ("IMPRESSION", "Effusion."))
    path = tmp_path / "sr.dcm"
    write_text_sr(path, SrSpec(image=SPEC, series_uid="2.25.9", sop_uid="2.25.10", sections=sections))
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == BASIC_TEXT_SR_STORAGE and ds.Modality == "SR"
    assert ds.StudyInstanceUID == SPEC.study_uid and ds.AccessionNumber == SPEC.accession_number
    assert [item.TextValue for item in ds.ContentSequence] == ["Small left effusion.", "Effusion."]
    assert sr_text(ds) == "FINDINGS: Small left effusion.\nIMPRESSION: Effusion."
    assert "InstanceCreationDate" not in ds and "InstanceCreationTime" not in ds


def test_same_inputs_same_bytes(tmp_path, image):
    for name in ("a.dcm", "b.dcm"):
        write_dicom_image(tmp_path / name, image, replace(SPEC, transfer_syntax="j2k"))
    assert (tmp_path / "a.dcm").read_bytes() == (tmp_path / "b.dcm").read_bytes()
