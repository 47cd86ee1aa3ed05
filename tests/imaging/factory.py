"""Small DICOM / PNG / JPEG / zip fixtures built in memory with pydicom and Pillow (no files shipped).

Compressed DICOM: RLE Lossless via pydicom's native encoder, JPEG 2000 Lossless via pydicom's
pylibjpeg-openjpeg encoder, JPEG Baseline via Pillow's JPEG encoder (encapsulated here), and JPEG
Lossless SV1 (Process 14, selection value 1) via the tiny encoder below (no installed library
encodes it). JPEG-LS has no encoder here: tests use pydicom's bundled MR_small twins instead.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    RLELossless,
    generate_uid,
)

SECONDARY_CAPTURE = UID("1.2.840.10008.5.1.4.1.1.7")
DIGITAL_XRAY = UID("1.2.840.10008.5.1.4.1.1.1.1")
BASIC_TEXT_SR = UID("1.2.840.10008.5.1.4.1.1.88.11")


def gradient(rows: int = 32, cols: int = 48, *, lo: int = 0, hi: int = 4095, seed: int = 0) -> np.ndarray:
    """A uint16 image with a ramp plus a little noise, values within [lo, hi], hitting lo and hi."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(lo, hi, rows * cols).reshape(rows, cols)
    noise = rng.integers(-40, 41, size=(rows, cols))
    img = np.clip(np.rint(ramp) + noise, lo, hi).astype(np.int64)
    img.flat[0], img.flat[-1] = lo, hi
    return img.astype(np.uint16 if lo >= 0 else np.int16)


def dicom_dataset(
    pixels: np.ndarray,
    *,
    photometric: str = "MONOCHROME2",
    bits_allocated: int = 16,
    bits_stored: int = 12,
    signed: bool = False,
    slope: float | None = None,
    intercept: float | None = None,
    window: tuple[float, float] | None = None,
    voi_lut: tuple[int, int, np.ndarray] | None = None,
    voi_function: str | None = None,
    frames: int | None = None,
    modality: str = "DX",
    patient_id: str = "PAT-0001",
    patient_age: str | None = "045Y",
    patient_sex: str = "F",
    study_date: date | None = date(2020, 3, 14),
    view_position: str = "PA",
    body_part: str = "CHEST",
    sop_instance_uid: str | None = None,
    study_instance_uid: str | None = None,
) -> FileDataset:
    """A single-image (or ``frames``-frame) dataset in Explicit VR Little Endian, greyscale or RGB.

    ``pixels``: (rows, cols) or (rows, cols, 3) stored values, or (frames, rows, cols) if frames > 1.
    ``voi_lut``: (first_mapped, bits, table).
    """
    arr = np.asarray(pixels)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DIGITAL_XRAY if arr.ndim == 2 or frames else SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = sop_instance_uid or generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("fixture", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_instance_uid or generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = patient_id
    ds.PatientName = "Synthetic^Fixture"
    if patient_age is not None:
        ds.PatientAge = patient_age
    ds.PatientSex = patient_sex
    ds.AccessionNumber = "ACC-42"
    if study_date is not None:
        ds.StudyDate = study_date.strftime("%Y%m%d")
    ds.Modality = modality
    ds.ViewPosition = view_position
    ds.BodyPartExamined = body_part
    colour = arr.ndim == 3 and not frames and arr.shape[-1] == 3
    rows, cols = (arr.shape[-3], arr.shape[-2]) if colour else (arr.shape[-2], arr.shape[-1])
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 3 if colour else 1
    if colour:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = "RGB" if colour else photometric
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if frames is not None:
        ds.NumberOfFrames = frames
    if slope is not None:
        ds.RescaleSlope = f"{slope:g}"
    if intercept is not None:
        ds.RescaleIntercept = f"{intercept:g}"
    if slope is not None or intercept is not None:
        ds.RescaleType = "US"
    if window is not None:
        ds.WindowCenter = f"{window[0]:g}"
        ds.WindowWidth = f"{window[1]:g}"
    if voi_function is not None:
        ds.VOILUTFunction = voi_function
    if voi_lut is not None:
        first, bits, table = voi_lut
        item = Dataset()
        item.LUTDescriptor = [len(table) if len(table) < 65536 else 0, first, bits]
        item["LUTDescriptor"].VR = "US"
        item.LUTData = [int(v) for v in table]
        item["LUTData"].VR = "US"
        item.LUTExplanation = "fixture"
        ds.VOILUTSequence = Sequence([item])
    dtype = {8: np.uint8, 16: np.uint16}[bits_allocated]
    if signed:
        dtype = {8: np.int8, 16: np.int16}[bits_allocated]
    ds.PixelData = np.ascontiguousarray(arr.astype(dtype)).tobytes()
    return ds


def to_bytes(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def dicom_bytes(pixels: np.ndarray, **kwargs) -> bytes:
    return to_bytes(dicom_dataset(pixels, **kwargs))


def compressed(ds: Dataset, syntax: str) -> Dataset:
    """A compressed copy of ``ds``: 'rle', 'j2k' (JPEG 2000 lossless), 'jpeg-ls-none', 'jpeg-lossless',
    'jpeg-baseline' (8-bit only, lossy)."""
    out = pydicom.dcmread(io.BytesIO(to_bytes(ds)))
    if syntax == "rle":
        out.compress(RLELossless, encoding_plugin="pydicom")
    elif syntax == "j2k":
        out.compress(JPEG2000Lossless)
    elif syntax == "jpeg-lossless":
        frame = encode_jpeg_lossless_sv1(out.pixel_array, precision=int(out.BitsStored))
        _encapsulate(out, frame, JPEGLosslessSV1)
    elif syntax == "jpeg-baseline":
        if out.BitsAllocated != 8:
            raise ValueError("JPEG baseline fixtures must be 8-bit")
        buf = io.BytesIO()
        Image.fromarray(out.pixel_array.astype(np.uint8), mode="L").save(buf, format="JPEG", quality=90)
        _encapsulate(out, buf.getvalue(), JPEGBaseline8Bit)
    else:
        raise ValueError(syntax)
    return out


def _encapsulate(ds: Dataset, frame: bytes, syntax: UID) -> None:
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.file_meta.TransferSyntaxUID = syntax
    if syntax == JPEGBaseline8Bit:
        ds.LossyImageCompression = "01"


# ------------------------------------------------------------------ JPEG Lossless, Process 14 SV1
class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, nbits: int) -> None:
        for i in range(nbits - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing
                self.acc, self.n = 0, 0

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1-bits
        return bytes(self.out)


def encode_jpeg_lossless_sv1(pixels: np.ndarray, *, precision: int) -> bytes:
    """Encode a greyscale image as a JPEG Lossless (ITU T.81 Process 14, predictor 1) codestream.

    A fixed Huffman table gives each of the 17 difference categories a 5-bit code (valid: no
    all-ones code). Predictions: first pixel 2**(P-1); first row Ra (left); first column Rb (above);
    elsewhere Ra.
    """
    img = np.asarray(pixels).astype(np.int64)
    if img.min() < 0 or img.max() >= 2**precision:
        raise ValueError("pixel values must be unsigned and fit the precision")
    rows, cols = img.shape
    pred = np.empty_like(img)
    pred[0, 0] = 1 << (precision - 1)
    pred[0, 1:] = img[0, :-1]
    pred[1:, 0] = img[:-1, 0]
    pred[1:, 1:] = img[1:, :-1]
    diff = (img - pred) % 65536
    diff[diff >= 32768] -= 65536
    w = _BitWriter()
    for d in diff.ravel().tolist():
        ssss = abs(d).bit_length()
        w.write(ssss, 5)
        if ssss and ssss < 16:
            w.write(d if d >= 0 else d + (1 << ssss) - 1, ssss)
    entropy = w.flush()

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", marker, len(payload) + 2) + payload

    sof3 = struct.pack(">BHHB", precision, rows, cols, 1) + bytes([1, 0x11, 0])
    bits = [0] * 16
    bits[4] = 17  # 17 codes of length 5
    dht = bytes([0x00]) + bytes(bits) + bytes(range(17))
    sos = bytes([1, 1, 0x00, 1, 0, 0])  # 1 component (id 1, table 0), Ss=1 predictor, Se=0, Ah/Al=0
    return (
        b"\xff\xd8"
        + segment(0xFFC3, sof3)
        + segment(0xFFC4, dht)
        + segment(0xFFDA, sos)
        + entropy
        + b"\xff\xd9"
    )


# ------------------------------------------------------------------------------------ SR / other
def sr_bytes(paragraphs: list[tuple[str, str]], *, nested: bool = True) -> bytes:
    """A Basic Text SR whose TEXT items hold (concept name, text); nested under a CONTAINER."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = BASIC_TEXT_SR
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("sr", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = BASIC_TEXT_SR
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "SR"
    ds.PatientID = "PAT-0002"
    ds.ValueType = "CONTAINER"

    def code(meaning: str) -> Sequence:
        c = Dataset()
        c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = "121071", "DCM", meaning
        return Sequence([c])

    items = []
    for name, text in paragraphs:
        item = Dataset()
        item.RelationshipType = "CONTAINS"
        item.ValueType = "TEXT"
        if name:
            item.ConceptNameCodeSequence = code(name)
        item.TextValue = text
        items.append(item)
    if nested:
        container = Dataset()
        container.RelationshipType = "CONTAINS"
        container.ValueType = "CONTAINER"
        container.ConceptNameCodeSequence = code("Report")
        container.ContentSequence = Sequence(items)
        ds.ContentSequence = Sequence([container])
    else:
        ds.ContentSequence = Sequence(items)
    return to_bytes(ds)


def png_bytes(pixels: np.ndarray, *, mode: str | None = None) -> bytes:
    """PNG of ``pixels``: uint8 -> 'L', uint16 -> 16-bit greyscale, (r, c, 3) uint8 -> RGB."""
    arr = np.asarray(pixels)
    buf = io.BytesIO()
    if arr.dtype == np.uint16:
        Image.fromarray(arr).save(buf, format="PNG")  # mode I;16
    else:
        Image.fromarray(arr, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid-looking 8-bit greyscale PNG that declares width x height but holds a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
