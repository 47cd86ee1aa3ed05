"""decode_dicom / read_dicom_meta: modality values, compressed syntaxes, metadata, and every bad input."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from imaging.dicom import decode_dicom, parse_age_years, read_dicom_meta
from imaging.errors import (
    ImageTooLargeError,
    ImagingError,
    MultiFrameNotSupportedError,
    NoPixelDataError,
    NotDicomError,
    TruncatedFileError,
    UnreadableImageError,
    UnsupportedTransferSyntaxError,
)
from tests.imaging import factory as f

LIMIT = 10_000_000


def test_rescale_slope_intercept_gives_exact_modality_values():
    stored = f.gradient(24, 30, lo=0, hi=4095)
    img = decode_dicom(f.dicom_bytes(stored, slope=2, intercept=-1024), max_pixels=LIMIT)
    assert img.pixels.dtype == np.float32
    np.testing.assert_array_equal(img.pixels, stored.astype(np.float64) * 2 - 1024)
    assert img.pixels.min() == -1024 and img.pixels.max() == 4095 * 2 - 1024


def test_fractional_rescale_is_applied_in_double_precision():
    stored = f.gradient(16, 16, lo=0, hi=4095, seed=3)
    img = decode_dicom(f.dicom_bytes(stored, slope=0.25, intercept=0.5), max_pixels=LIMIT)
    expected = (stored.astype(np.float64) * 0.25 + 0.5).astype(np.float32)
    np.testing.assert_array_equal(img.pixels, expected)
    assert img.meta.rescale_slope == 0.25 and img.meta.rescale_intercept == 0.5


def test_no_rescale_keeps_stored_values_and_photometric():
    stored = f.gradient(10, 12)
    img = decode_dicom(f.dicom_bytes(stored, photometric="MONOCHROME1"), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, stored)
    assert img.photometric == "MONOCHROME1"  # never inverted at decode time


def test_signed_pixels_are_sign_extended_from_bits_stored():
    values = np.array([[-2048, -1, 0, 2047], [-100, 100, -2000, 5]], dtype=np.int16)
    img = decode_dicom(f.dicom_bytes(values, signed=True, bits_stored=12), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, values)


def test_high_bits_above_bits_stored_are_ignored_like_pydicom():
    raw = np.array([[0xF005, 0x0FFF, 0x0800, 0x1234]], dtype=np.uint16)
    data = f.dicom_bytes(raw, bits_stored=12)
    img = decode_dicom(data, max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, [[5, 4095, 2048, 0x234]])
    np.testing.assert_array_equal(img.pixels, pydicom.dcmread(io.BytesIO(data)).pixel_array)


@pytest.mark.parametrize("syntax", ["rle", "j2k", "jpeg-lossless"])
def test_lossless_compressed_syntaxes_decode_to_the_original_pixels(syntax):
    stored = f.gradient(40, 52, lo=0, hi=4095, seed=7)
    ds = f.dicom_dataset(stored, slope=1, intercept=-1000)
    data = f.to_bytes(f.compressed(ds, syntax))
    img = decode_dicom(data, max_pixels=LIMIT)
    assert img.meta.transfer_syntax_uid != pydicom.uid.ExplicitVRLittleEndian
    np.testing.assert_array_equal(img.pixels, stored.astype(np.float32) - 1000)


def test_rle_8_bit_and_signed_16_bit():
    px8 = f.gradient(20, 33, lo=0, hi=255).astype(np.uint8)
    ds8 = f.dicom_dataset(px8, bits_allocated=8, bits_stored=8)
    img8 = decode_dicom(f.to_bytes(f.compressed(ds8, "rle")), max_pixels=LIMIT)
    np.testing.assert_array_equal(img8.pixels, px8)
    signed = f.gradient(17, 21, lo=-2000, hi=2000)
    ds16 = f.dicom_dataset(signed, signed=True, bits_stored=12)
    img = decode_dicom(f.to_bytes(f.compressed(ds16, "rle")), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, signed)


def test_jpeg_ls_lossless_matches_uncompressed_twin():
    # pydicom ships MR_small in several syntaxes; no JPEG-LS encoder is installed here
    plain = decode_dicom(get_testdata_file("MR_small.dcm"), max_pixels=LIMIT)
    for name in ("MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "MR_small_RLE.dcm"):
        img = decode_dicom(get_testdata_file(name), max_pixels=LIMIT)
        np.testing.assert_array_equal(img.pixels, plain.pixels, err_msg=name)
    assert np.ptp(plain.pixels) > 100


def test_big_endian_matches_little_endian_twin():
    plain = decode_dicom(get_testdata_file("MR_small.dcm"), max_pixels=LIMIT)
    big = decode_dicom(get_testdata_file("MR_small_bigendian.dcm"), max_pixels=LIMIT)
    np.testing.assert_array_equal(big.pixels, plain.pixels)


def test_jpeg_baseline_decodes_to_what_the_codec_produced():
    px = f.gradient(32, 40, lo=0, hi=255).astype(np.uint8)
    ds = f.compressed(f.dicom_dataset(px, bits_allocated=8, bits_stored=8), "jpeg-baseline")
    img = decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    # lossy: close to the source, identical to what pydicom's own decode gives
    assert np.abs(img.pixels - px).mean() < 6
    np.testing.assert_array_equal(img.pixels, ds.pixel_array)


def test_rgb_dicom_becomes_luminance():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, size=(8, 9, 3), dtype=np.uint8)
    img = decode_dicom(f.dicom_bytes(rgb, bits_allocated=8, bits_stored=8), max_pixels=LIMIT)
    expected = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    np.testing.assert_allclose(img.pixels, expected, atol=1e-3)
    assert img.photometric == "MONOCHROME2" and img.meta.photometric_interpretation == "RGB"


def test_decode_accepts_path_bytes_and_file_object(tmp_path):
    stored = f.gradient(8, 8)
    data = f.dicom_bytes(stored)
    path = tmp_path / "x.dcm"
    path.write_bytes(data)
    fh = io.BytesIO(b"junk" + data)
    fh.seek(4)
    for source in (path, str(path), data, fh):
        np.testing.assert_array_equal(decode_dicom(source, max_pixels=LIMIT).pixels, stored)
    assert fh.tell() == 4  # file objects are left where they were


def test_preamble_less_dataset_is_read():
    ds = f.dicom_dataset(f.gradient(6, 7))
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, pydicom.Dataset(ds), implicit_vr=True, little_endian=True)  # no preamble, no meta
    raw = buf.getvalue()
    assert raw[128:132] != b"DICM"
    img = decode_dicom(raw, max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, f.gradient(6, 7))
    assert img.meta.transfer_syntax_uid == pydicom.uid.ImplicitVRLittleEndian


# ----------------------------------------------------------------------------------------- meta
def test_meta_fields():
    data = f.dicom_bytes(
        f.gradient(20, 30),
        slope=1.5,
        intercept=-3,
        window=(1000, 2000),
        patient_age="018M",
        study_date=date(2019, 12, 31),
        sop_instance_uid="1.2.3.4.5",
    )
    meta = read_dicom_meta(data)
    assert meta.sop_instance_uid == "1.2.3.4.5"
    assert meta.rows == 20 and meta.cols == 30 and meta.bits_stored == 12
    assert meta.patient_age_years == pytest.approx(1.5)
    assert meta.study_date == date(2019, 12, 31)
    assert (meta.window_center, meta.window_width) == (1000.0, 2000.0)
    assert (meta.rescale_slope, meta.rescale_intercept) == (1.5, -3.0)
    assert meta.modality == "DX" and meta.view_position == "PA" and meta.body_part == "CHEST"
    assert meta.patient_id == "PAT-0001" and meta.patient_sex == "F" and meta.accession_number == "ACC-42"
    assert meta.number_of_frames == 1 and meta.has_pixel_data
    assert meta.transfer_syntax_uid == pydicom.uid.ExplicitVRLittleEndian


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("045Y", 45.0),
        ("018M", 1.5),
        ("003W", 21 / 365.25),
        ("010D", 10 / 365.25),
        ("7", 7.0),
        ("", None),
        ("AB", None),
    ],
)
def test_parse_age(text, years):
    got = parse_age_years(text)
    assert got == (pytest.approx(years) if years is not None else None)


def test_missing_age_and_date_are_none():
    meta = read_dicom_meta(f.dicom_bytes(f.gradient(4, 4), patient_age=None, study_date=None))
    assert meta.patient_age_years is None and meta.study_date is None


# ------------------------------------------------------------------------------------ bad input
def test_multi_frame_is_refused_with_a_clear_message():
    frames = np.stack([f.gradient(8, 8, seed=i) for i in range(3)])
    data = f.dicom_bytes(frames, frames=3)
    with pytest.raises(MultiFrameNotSupportedError, match="3 frames") as info:
        decode_dicom(data, max_pixels=LIMIT)
    assert info.value.code == "multi_frame"


def test_number_of_frames_one_is_accepted():
    stored = f.gradient(8, 9)
    img = decode_dicom(f.dicom_bytes(stored[None], frames=1), max_pixels=LIMIT)
    np.testing.assert_array_equal(img.pixels, stored)


def test_oversize_image_is_refused_from_the_header_before_decoding():
    ds = f.dicom_dataset(f.gradient(4, 4))
    ds.Rows, ds.Columns = 60000, 60000  # 3.6 G pixels declared, 32 bytes present
    with pytest.raises(ImageTooLargeError, match="over the limit") as info:
        decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    assert info.value.code == "too_large"
    with pytest.raises(ImageTooLargeError):
        decode_dicom(f.dicom_bytes(f.gradient(40, 40)), max_pixels=40 * 40 - 1)
    assert decode_dicom(f.dicom_bytes(f.gradient(40, 40)), max_pixels=40 * 40).pixels.shape == (40, 40)


def test_compressed_oversize_is_refused_before_decoding():
    ds = f.compressed(f.dicom_dataset(f.gradient(64, 64)), "rle")
    with pytest.raises(ImageTooLargeError):
        decode_dicom(f.to_bytes(ds), max_pixels=64 * 63)


def test_truncated_pixel_data():
    data = f.dicom_bytes(f.gradient(32, 32))
    with pytest.raises(TruncatedFileError, match=r"truncated|cut off") as info:
        decode_dicom(data[:-500], max_pixels=LIMIT)
    assert info.value.code == "truncated"


def test_truncated_inside_the_header():
    data = f.dicom_bytes(f.gradient(32, 32))
    cut = data.index(b"PAT-0001") + 3  # mid-value of Patient ID
    with pytest.raises(TruncatedFileError):
        decode_dicom(data[:cut], max_pixels=LIMIT)
    with pytest.raises(TruncatedFileError):
        read_dicom_meta(data[:cut])


def test_truncated_compressed_pixel_data():
    data = f.to_bytes(f.compressed(f.dicom_dataset(f.gradient(32, 32)), "j2k"))
    with pytest.raises((TruncatedFileError, UnreadableImageError)):
        decode_dicom(data[: len(data) - 200], max_pixels=LIMIT)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a text file\n" * 20,
        f.png_bytes(np.zeros((4, 4), np.uint8)),
        bytes(range(256)) * 4,
    ],
)
def test_non_dicom_bytes(data):
    with pytest.raises(NotDicomError) as info:
        decode_dicom(data, max_pixels=LIMIT)
    assert info.value.code == "not_dicom"
    with pytest.raises(NotDicomError):
        read_dicom_meta(data)


def test_dicom_without_pixel_data():
    ds = f.dicom_dataset(f.gradient(4, 4))
    del ds.PixelData
    with pytest.raises(NoPixelDataError, match="no Pixel Data") as info:
        decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)
    assert info.value.code == "no_pixel_data"
    assert read_dicom_meta(f.to_bytes(ds)).has_pixel_data is False


def test_sr_has_no_pixel_data():
    with pytest.raises(NoPixelDataError, match="structured report"):
        decode_dicom(f.sr_bytes([("Findings", "Clear lungs.")]), max_pixels=LIMIT)


def test_unsupported_transfer_syntax():
    ds = f.compressed(f.dicom_dataset(f.gradient(8, 8)), "rle")
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2: no decoder
    with pytest.raises(UnsupportedTransferSyntaxError, match=r"1\.2\.840\.10008\.1\.2\.4\.100"):
        decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)


def test_corrupt_codestream_is_unreadable_not_a_crash():
    ds = f.compressed(f.dicom_dataset(f.gradient(64, 64)), "j2k")
    frame = bytearray(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1).__next__())
    frame[20:60] = b"\x00" * 40
    f._encapsulate(ds, bytes(frame), pydicom.uid.JPEG2000Lossless)
    with pytest.raises(ImagingError):
        decode_dicom(f.to_bytes(ds), max_pixels=LIMIT)


def test_errors_carry_no_patient_data():
    data = f.dicom_bytes(np.stack([f.gradient(4, 4)] * 2), frames=2, patient_id="SECRET-ID")
    with pytest.raises(ImagingError) as info:
        decode_dicom(data, max_pixels=LIMIT)
    assert "SECRET" not in str(info.value)
