"""DICOM reading: header metadata, single-frame pixel decoding, and report text from SR documents.

Decoding goes through pydicom (compressed transfer syntaxes via the pylibjpeg plugins: JPEG baseline/
extended/lossless, JPEG-LS, JPEG 2000; RLE Lossless via a fast Pillow-backed PackBits path with
pydicom's decoder as fallback). Every failure is raised as an ``ImagingError`` subclass with a
message a user can act on; checks that bound memory (frame count, pixel count) run on the header
before any pixel is decoded.
"""

from __future__ import annotations

import functools
import logging
import struct
import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, BinaryIO, ParamSpec, TypeVar

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.errors import InvalidDicomError
from pydicom.pixels import get_decoder
from pydicom.uid import UID

from imaging._source import Source, open_source
from imaging.decoded import DecodedImage, DicomMeta, VoiLut
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
from imaging.fastpaths import native_pixels, rle_pixels
from imaging.j2k import strip_after_last_tile

_J2K_SYNTAXES = (pydicom.uid.JPEG2000Lossless, pydicom.uid.JPEG2000)

__all__ = ["decode_dicom", "extract_report_text", "parse_age_years", "read_dicom_meta"]

_IMPLICIT_VR_LE = UID("1.2.840.10008.1.2")
# (7FE0,0010) Pixel Data, (7FE0,0008) Float Pixel Data, (7FE0,0009) Double Float Pixel Data; LE and BE
_DATASET_STARTS = {b"\x02\x00", b"\x08\x00", b"\x00\x02", b"\x00\x08"}  # group 0002/0008, LE/BE
_PIXEL_TAGS = {struct.pack(fmt, 0x7FE0, elem) for fmt in ("<HH", ">HH") for elem in (0x0010, 0x0008, 0x0009)}


# ------------------------------------------------------------------------------------ quiet pydicom
# pydicom reports odd values as warnings that quote the value (which may be patient data) and also
# logs them. Inside our calls both are silenced: warnings by catch_warnings, log records below ERROR
# by a filter that only acts in a thread currently inside one of our calls.
_P = ParamSpec("_P")
_R = TypeVar("_R")
_state = threading.local()


class _QuietFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or not getattr(_state, "depth", 0)


logging.getLogger("pydicom").addFilter(_QuietFilter())


def _public(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Quiet pydicom, and turn any unexpected exception from malformed input into UnreadableImageError.

    Fuzzing showed pydicom raising AttributeError/ValueError/TypeError/KeyError... on damaged
    headers; callers must only ever see ImagingError (MemoryError and the like still propagate).
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except ImagingError:
            raise
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:
            raise UnreadableImageError(
                f"The DICOM file is damaged or malformed ({type(exc).__name__}); it could not be read."
            ) from exc
        finally:
            _state.depth -= 1

    return wrapper


# ----------------------------------------------------------------------------------------- reading
class _TrackingReader:
    """File wrapper that notices short reads, because pydicom silently accepts a truncated file.

    pydicom stops quietly at end of file, keeping a short last value. A read that returns fewer bytes
    than asked is harmless only when it returns nothing at an element boundary (the clean end of a
    dataset: an 8-byte tag/length read that finds no bytes). Any other short read means truncation.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.truncated = False

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        if size is not None and size > 0 and len(data) < size and not (len(data) == 0 and size == 8):
            self.truncated = True
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    @property
    def name(self) -> str:
        return "<dicom>"

    def close(self) -> None:  # the caller owns the underlying stream
        pass


def _looks_like_dataset(ds: Dataset) -> bool:
    """Plausibility check for a preamble-less dataset read with force=True from arbitrary bytes."""
    tags = list(ds.keys())
    if len(tags) < 3:
        return False
    if tags[0].group not in (0x0002, 0x0008):
        return False
    return "SOPClassUID" in ds or "SOPInstanceUID" in ds or "PixelData" in ds


def _read_dataset(source: Source, *, stop_before_pixels: bool) -> tuple[Dataset, bool]:
    """Read a dataset; return it and whether a pixel data element follows where reading stopped."""
    with open_source(source) as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = fh.tell()
        reader = _TrackingReader(fh)
        try:
            try:
                ds = pydicom.dcmread(reader, stop_before_pixels=stop_before_pixels)  # type: ignore[arg-type]
            except InvalidDicomError:
                # no 'DICM' marker: accept only a bare dataset starting with a group 0002/0008 tag
                fh.seek(start)
                head = fh.read(2)
                if head not in _DATASET_STARTS:
                    raise NotDicomError(_not_dicom_message(len(head))) from None
                fh.seek(start)
                reader = _TrackingReader(fh)
                try:
                    ds = pydicom.dcmread(reader, stop_before_pixels=stop_before_pixels, force=True)  # type: ignore[arg-type]
                    ok = _looks_like_dataset(ds)
                except Exception:
                    ok = False
                if not ok:
                    raise NotDicomError(_not_dicom_message(None)) from None
        except ImagingError:
            raise
        except (EOFError, struct.error) as exc:
            raise TruncatedFileError(
                "The DICOM file ends in the middle of its header; it was probably cut off during a copy "
                "or upload. Re-export or re-send the file."
            ) from exc
        except Exception as exc:  # pydicom raises many types on malformed input
            raise UnreadableImageError(
                f"The DICOM header could not be parsed ({type(exc).__name__}); the file is damaged."
            ) from exc
        if reader.truncated:
            raise TruncatedFileError(
                "The DICOM file is truncated: an element declares more bytes than the file holds "
                "(an interrupted copy or upload). Re-export or re-send the file."
            )
        pixels_follow = False
        if stop_before_pixels:
            # pydicom leaves the stream at the element it stopped before; note whether it is pixels
            pixels_follow = fh.read(4) in _PIXEL_TAGS
        return ds, pixels_follow


def _not_dicom_message(n: int | None) -> str:
    if n is not None and n == 0:
        return "The file is empty, not a DICOM file."
    return (
        "Not a DICOM file: no 'DICM' marker at byte 128 and no readable DICOM dataset. "
        "If this is a PNG/JPEG, import it as a raster image."
    )


# ---------------------------------------------------------------------------------------- metadata
def parse_age_years(value: Any) -> float | None:
    """Parse a DICOM Age String ('045Y', '018M', '003W', '010D') into years; None if unparsable."""
    if value is None:
        return None
    text = str(value).strip().upper()
    if not text:
        return None
    unit = "Y"
    if text[-1] in "YMWD":
        unit, text = text[-1], text[:-1]
    try:
        n = float(text)
    except ValueError:
        return None
    if n < 0:
        return None
    factor = {"Y": 1.0, "M": 1.0 / 12.0, "W": 7.0 / 365.25, "D": 1.0 / 365.25}[unit]
    return n * factor


def _parse_da(value: Any) -> date | None:
    text = str(value or "").strip().replace(".", "").replace("-", "")
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _first_float(ds: Dataset, keyword: str) -> float | None:
    try:
        elem = ds.get(keyword)
        if elem is None or elem == "":
            return None
        value = elem[0] if isinstance(elem, (list, tuple, pydicom.multival.MultiValue)) else elem
        if value is None or value == "":
            return None
        out = float(value)
        return out if np.isfinite(out) else None
    except (TypeError, ValueError, IndexError):
        return None


def _floats(ds: Dataset, keyword: str) -> list[float | None]:
    elem = ds.get(keyword)
    if elem is None or elem == "":
        return []
    values = list(elem) if isinstance(elem, (list, tuple, pydicom.multival.MultiValue)) else [elem]
    out: list[float | None] = []
    for v in values:
        try:
            f = float(v)
            out.append(f if np.isfinite(f) else None)
        except (TypeError, ValueError):
            out.append(None)
    return out


def _windows(ds: Dataset) -> tuple[tuple[float, float, str], ...]:
    """All valid (centre, width, explanation) pairs of the file; a malformed pair is skipped."""
    centres, widths = _floats(ds, "WindowCenter"), _floats(ds, "WindowWidth")
    raw = ds.get("WindowCenterWidthExplanation") or []
    notes = [str(x) for x in (raw if isinstance(raw, (list, tuple, pydicom.multival.MultiValue)) else [raw])]
    out = []
    for i, (c, w) in enumerate(zip(centres, widths, strict=False)):
        if c is not None and w is not None and w > 0:
            out.append((c, w, notes[i].strip()[:64] if i < len(notes) else ""))
    return tuple(out)


def _spacing(ds: Dataset) -> dict:
    """PixelSpacing, else ImagerPixelSpacing, as (row, column) mm; a zero, negative, non-finite or
    single-valued spacing (some CR writers store 0\\0) counts as absent."""
    for keyword in ("PixelSpacing", "ImagerPixelSpacing"):
        try:
            values = _floats(ds, keyword)
        except Exception:  # a malformed spacing must not make the image unreadable
            continue
        if len(values) >= 2 and all(v is not None and 0 < v < 1e4 for v in values[:2]):
            row, col = values[0], values[1]
            assert row is not None and col is not None
            return {"pixel_spacing": (row, col), "spacing_source": keyword}
    return {"pixel_spacing": None, "spacing_source": ""}


def _str(ds: Dataset, keyword: str) -> str:
    try:
        value = ds.get(keyword)
    except Exception:
        return ""
    if value is None:
        return ""
    if isinstance(value, pydicom.multival.MultiValue):
        value = "\\".join(str(v) for v in value)
    return str(value).strip()


def _int(ds: Dataset, keyword: str, default: int) -> int:
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return default
        return int(value)
    except (TypeError, ValueError):
        return default


def _transfer_syntax(ds: Dataset) -> str:
    fm = getattr(ds, "file_meta", None)
    uid = fm.get("TransferSyntaxUID") if fm is not None else None
    if uid:
        return str(uid)
    # preamble-less files read with force=True: pydicom recorded the encoding it found
    enc = getattr(ds, "original_encoding", None) or (ds.is_implicit_VR, ds.is_little_endian)
    implicit, little = enc
    if implicit:
        return str(_IMPLICIT_VR_LE)
    return "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"


def _meta_from(ds: Dataset, *, pixels_follow: bool = False) -> DicomMeta:
    try:
        slope = _first_float(ds, "RescaleSlope")
        intercept = _first_float(ds, "RescaleIntercept")
        return DicomMeta(
            sop_instance_uid=_str(ds, "SOPInstanceUID"),
            study_instance_uid=_str(ds, "StudyInstanceUID"),
            series_instance_uid=_str(ds, "SeriesInstanceUID"),
            patient_id=_str(ds, "PatientID"),
            patient_age_years=parse_age_years(ds.get("PatientAge")),
            patient_sex=_str(ds, "PatientSex").upper()[:1],
            accession_number=_str(ds, "AccessionNumber"),
            study_date=_parse_da(ds.get("StudyDate")),
            modality=_str(ds, "Modality").upper(),
            view_position=_str(ds, "ViewPosition").upper(),
            body_part=_str(ds, "BodyPartExamined").upper(),
            rows=_int(ds, "Rows", 0),
            cols=_int(ds, "Columns", 0),
            bits_stored=_int(ds, "BitsStored", 0),
            photometric_interpretation=_str(ds, "PhotometricInterpretation").upper(),
            transfer_syntax_uid=_transfer_syntax(ds),
            window_center=_first_float(ds, "WindowCenter"),
            window_width=_first_float(ds, "WindowWidth"),
            rescale_slope=1.0 if slope is None or slope == 0 else slope,
            rescale_intercept=0.0 if intercept is None else intercept,
            number_of_frames=max(_int(ds, "NumberOfFrames", 1), 1),
            sop_class_uid=_str(ds, "SOPClassUID"),
            samples_per_pixel=_int(ds, "SamplesPerPixel", 1),
            bits_allocated=_int(ds, "BitsAllocated", 0),
            pixel_representation=_int(ds, "PixelRepresentation", 0),
            has_pixel_data="PixelData" in ds or pixels_follow,
            manufacturer=_str(ds, "Manufacturer"),
            windows=_windows(ds),
            **_spacing(ds),
        )
    except ImagingError:
        raise
    except Exception as exc:
        raise UnreadableImageError(
            f"The DICOM header has a malformed value ({type(exc).__name__}); the file is damaged."
        ) from exc


@_public
def read_dicom_meta(source: Source) -> DicomMeta:
    """Read header metadata only (stops before Pixel Data: fast, no pixel memory).

    ``has_pixel_data`` tells whether a Pixel Data element follows (it is still not read).
    """
    ds, pixels_follow = _read_dataset(source, stop_before_pixels=True)
    meta = _meta_from(ds, pixels_follow=pixels_follow)
    return meta


# ---------------------------------------------------------------------------------------- decoding
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _check_decodable(ds: Dataset, meta: DicomMeta, max_pixels: int) -> None:
    if "PixelData" not in ds:
        if any(k in ds for k in _PIXEL_KEYWORDS[1:]):
            raise NoPixelDataError(
                "The file stores Float/Double Float Pixel Data (parametric maps), which is not supported; "
                "only integer Pixel Data images can be imported."
            )
        kind = "a structured report" if meta.modality == "SR" else "a non-image object"
        raise NoPixelDataError(
            f"The DICOM file has no Pixel Data element; it is {kind} "
            f"(Modality '{meta.modality or '?'}'), not an image (or it was cut off before its pixels)."
        )
    if meta.number_of_frames > 1:
        raise MultiFrameNotSupportedError(
            f"The image has {meta.number_of_frames} frames; only single-frame images are supported. "
            "Split the multi-frame object into single-frame instances before importing."
        )
    if meta.rows <= 0 or meta.cols <= 0:
        raise UnreadableImageError(
            f"The DICOM header lacks a usable image size (Rows {meta.rows}, Columns {meta.cols}); "
            "the file is damaged or incomplete."
        )
    n_pixels = meta.rows * meta.cols * meta.number_of_frames
    if n_pixels > max_pixels:
        raise ImageTooLargeError(
            f"The image declares {meta.rows} x {meta.cols} x {meta.number_of_frames} frame(s) "
            f"= {n_pixels:,} pixels, over the limit of {max_pixels:,}; it was not decoded. "
            "Raise the pixel limit if such images are expected."
        )
    if meta.samples_per_pixel not in (1, 3):
        raise UnreadableImageError(
            f"Samples per Pixel is {meta.samples_per_pixel}; only 1 (greyscale) or 3 (colour) are supported."
        )
    if meta.bits_allocated not in (1, 8, 16, 32, 64) or not 0 < meta.bits_stored <= meta.bits_allocated:
        raise UnreadableImageError(
            f"The DICOM header has no usable pixel layout (Bits Allocated {meta.bits_allocated}, "
            f"Bits Stored {meta.bits_stored}); the file is damaged or incomplete."
        )
    ts = UID(meta.transfer_syntax_uid)
    if not ts.is_transfer_syntax:
        raise UnsupportedTransferSyntaxError(
            f"The file declares {meta.transfer_syntax_uid!r} as its transfer syntax, which is not a known "
            "DICOM transfer syntax; re-export the image."
        )
    if ts.is_compressed or ts.is_encapsulated:
        try:
            decoder = get_decoder(ts)
        except Exception:
            decoder = None
        if decoder is None or not decoder.is_available:
            name = ts.name if ts.is_transfer_syntax else "unknown"
            raise UnsupportedTransferSyntaxError(
                f"The pixels are encoded with transfer syntax {meta.transfer_syntax_uid} ({name}), which no "
                "installed decoder supports. Re-export the image uncompressed or as "
                "JPEG/JPEG 2000/JPEG-LS/RLE."
            )


def _pydicom_pixels(ds: Dataset) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ds.pixel_array
    except (
        ValueError,
        RuntimeError,
        EOFError,
        struct.error,
        OSError,
        KeyError,
        IndexError,
        AttributeError,
        TypeError,
    ) as exc:
        text = str(exc).lower()
        if ("expected" in text and ("length" in text or "bytes" in text)) or "end of" in text:
            raise TruncatedFileError(
                "The pixel data is shorter than the image size declared in the header; the file was "
                "probably cut off. Re-export or re-send it."
            ) from exc
        raise UnreadableImageError(
            f"The pixel data could not be decoded ({type(exc).__name__}: {str(exc)[:200]})."
        ) from exc
    except NotImplementedError as exc:
        raise UnsupportedTransferSyntaxError(
            f"The pixel data layout is not supported by the installed decoders ({str(exc)[:200]})."
        ) from exc


def _stored_pixels(ds: Dataset, meta: DicomMeta) -> np.ndarray:
    ts = UID(meta.transfer_syntax_uid)
    if not ts.is_encapsulated:
        expected = meta.rows * meta.cols * meta.samples_per_pixel * max(meta.bits_allocated, 1) // 8
        # greyscale only: YBR_FULL_422 and friends are legitimately shorter; pydicom checks those
        if meta.samples_per_pixel == 1 and meta.bits_allocated >= 8 and len(ds.PixelData) < expected:
            raise TruncatedFileError(
                f"The pixel data holds {len(ds.PixelData):,} bytes but the header declares "
                f"{meta.rows} x {meta.cols} at {meta.bits_allocated} bits ({expected:,} bytes); the file "
                "was probably cut off. Re-export or re-send it."
            )
        fast = native_pixels(ds, meta)
        if fast is not None:
            return fast
    elif ts == pydicom.uid.RLELossless:
        fast = rle_pixels(ds, meta)
        if fast is not None:
            return fast
    try:
        return _pydicom_pixels(ds)
    except UnreadableImageError:
        repaired = _j2k_repaired(ds, ts, meta)
        if repaired is None:
            raise
        return repaired


def _j2k_repaired(ds: Dataset, ts: UID, meta: DicomMeta) -> np.ndarray | None:
    """A JPEG 2000 frame that OpenJPEG refused, decoded again without what trails its last tile-part."""
    if ts not in _J2K_SYNTAXES or meta.number_of_frames != 1:
        return None
    try:
        frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    except Exception:
        return None
    fixed = strip_after_last_tile(frame)
    if fixed is None:
        return None
    copy = Dataset(ds)
    copy.file_meta = ds.file_meta
    copy.PixelData = encapsulate([fixed])
    return _pydicom_pixels(copy)


def _to_luminance(arr: np.ndarray) -> np.ndarray:
    """RGB (rows, cols, 3) -> luminance with ITU-R 601-2 weights (the same as Pillow's convert('L'))."""
    rgb = arr.astype(np.float32)
    return rgb[..., 0] * (299 / 1000) + rgb[..., 1] * (587 / 1000) + rgb[..., 2] * (114 / 1000)


def _modality(ds: Dataset, stored: np.ndarray, meta: DicomMeta) -> np.ndarray:
    if ds.get("ModalityLUTSequence"):
        try:
            from pydicom.pixels import apply_modality_lut

            return np.asarray(apply_modality_lut(stored, ds), dtype=np.float32)
        except Exception as exc:
            msg = f"The Modality LUT could not be applied ({type(exc).__name__})."
            raise UnreadableImageError(msg) from exc
    slope, intercept = meta.rescale_slope, meta.rescale_intercept
    if slope == 1.0 and intercept == 0.0:
        return stored.astype(np.float32)
    if float(slope).is_integer() and float(intercept).is_integer() and np.abs(stored).max(initial=0) < 2**16:
        out = stored.astype(np.float32)
        if slope != 1.0:
            out *= np.float32(slope)
        out += np.float32(intercept)
        return out
    return (stored.astype(np.float64) * slope + intercept).astype(np.float32)


def _voi_lut(ds: Dataset, meta: DicomMeta) -> VoiLut | None:
    seq = ds.get("VOILUTSequence")
    if not seq:
        return None
    try:
        item = seq[0]
        desc = [int(v) for v in item.LUTDescriptor]
        n_entries = desc[0] or 65536
        first = desc[1]
        if meta.pixel_representation == 1 and first >= 32768:
            first -= 65536  # US-encoded negative first-mapped value (PS3.3 C.11.2.1.1)
        bits = desc[2]
        elem = item["LUTData"]
        if elem.VR == "OW" or isinstance(elem.value, (bytes, bytearray)):
            raw = bytes(elem.value)
            little = ds.is_little_endian if ds.is_little_endian is not None else True
            dtype = np.dtype("<u2" if little else ">u2")
            if len(raw) >= 2 * n_entries:
                table = np.frombuffer(raw, dtype=dtype, count=n_entries).astype(np.int64)
            else:  # 8-bit entries packed two per word (seen in the wild)
                table = np.frombuffer(raw, dtype=np.uint8, count=min(n_entries, len(raw))).astype(np.int64)
        else:
            value = elem.value
            table = np.asarray(list(value) if not isinstance(value, int) else [value], dtype=np.int64)
        if table.size == 0:
            return None
        max_value = int(table.max())
        if max_value > 2**bits - 1:  # descriptor understates the depth; trust the data
            bits = max(int(max_value).bit_length(), 1)
        if bits < 1 or bits > 16:
            bits = 16
        return VoiLut(
            first_mapped=first,
            bits=bits,
            table=table,
            explanation=str(item.get("LUTExplanation", "") or ""),
        )
    except Exception as exc:
        raise UnreadableImageError(f"The VOI LUT Sequence is malformed ({type(exc).__name__}).") from exc


def _window_from_lut(lut: VoiLut) -> tuple[float, float]:
    table = lut.table
    lo_v, hi_v = table.min(), table.max()
    rising = np.nonzero(table > lo_v)[0]
    below_top = np.nonzero(table < hi_v)[0]
    if rising.size == 0 or below_top.size == 0:
        lo, hi = lut.first_mapped, lut.first_mapped + table.size - 1
    else:
        lo = lut.first_mapped + max(int(rising[0]) - 1, 0)
        hi = lut.first_mapped + min(int(below_top[-1]) + 1, table.size - 1)
    width = float(hi - lo + 1)
    return (lo + width / 2.0, width)


def window_from_range(lo: float, hi: float) -> tuple[float, float]:
    """The (centre, width) whose LINEAR window maps ``lo`` to black and ``hi`` to white exactly."""
    width = float(hi - lo + 1.0)
    return (float(lo) + width / 2.0, width)


@_public
def decode_dicom(source: Source, *, max_pixels: int) -> DecodedImage:
    """Decode a single-frame DICOM image into modality values (float32, not inverted) plus VOI info.

    Raises NotDicomError, TruncatedFileError, NoPixelDataError, MultiFrameNotSupportedError,
    ImageTooLargeError (before decoding), UnsupportedTransferSyntaxError or UnreadableImageError.
    """
    ds, _ = _read_dataset(source, stop_before_pixels=False)
    meta = _meta_from(ds)
    _check_decodable(ds, meta, max_pixels)
    stored = _stored_pixels(ds, meta)
    photometric = meta.photometric_interpretation or "MONOCHROME2"
    if stored.ndim == 3:
        if photometric.startswith("PALETTE"):
            from pydicom.pixels import apply_color_lut

            stored = apply_color_lut(stored, ds)
        pixels = _to_luminance(stored)
        photometric = "MONOCHROME2"
    elif stored.ndim == 2 and photometric.startswith("PALETTE"):
        from pydicom.pixels import apply_color_lut

        try:
            pixels = _to_luminance(apply_color_lut(stored, ds))
        except Exception as exc:
            msg = f"The palette colour LUT is malformed ({type(exc).__name__})."
            raise UnreadableImageError(msg) from exc
        photometric = "MONOCHROME2"
    elif stored.ndim == 2:
        pixels = _modality(ds, stored, meta)
    else:
        raise UnreadableImageError(f"Decoded pixel array has unexpected shape {stored.shape}.")
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        photometric = "MONOCHROME2"
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)

    voi_lut = _voi_lut(ds, meta) if photometric != "MONOCHROME2" or stored.ndim == 2 else None
    function = _str(ds, "VOILUTFunction").upper() or "LINEAR"
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        function = "LINEAR"
    if meta.window_center is not None and meta.window_width is not None and meta.window_width > 0:
        default_window = (meta.window_center, meta.window_width)
    elif voi_lut is not None:
        default_window = _window_from_lut(voi_lut)
        function = "LINEAR"
    else:
        default_window = window_from_range(float(pixels.min()), float(pixels.max()))
        function = "LINEAR"
    return DecodedImage(
        pixels=pixels,
        photometric=photometric,
        bits_stored=meta.bits_stored or int(stored.dtype.itemsize * 8),
        default_window=default_window,
        voi_lut=voi_lut,
        meta=meta,
        voi_function=function,
        source_format="dicom",
    )


# ------------------------------------------------------------------------------------- SR reports
_SR_CLASS_PREFIX = "1.2.840.10008.5.1.4.1.1.88."


def _iter_text_items(items: Any, heading: str = "") -> Iterator[tuple[str, str]]:
    for item in items or []:
        value_type = str(item.get("ValueType", "")).upper()
        names = item.get("ConceptNameCodeSequence")
        name = str(names[0].get("CodeMeaning", "")).strip() if names else ""
        if value_type == "TEXT":
            text = str(item.get("TextValue", "") or "").strip()
            if text:
                yield (name, text)
        if item.get("ContentSequence"):
            yield from _iter_text_items(item.ContentSequence, name or heading)


@_public
def extract_report_text(source: Source) -> str | None:
    """Text of a Basic/Enhanced/Comprehensive SR's TEXT content items, or None if not an SR / no text.

    Each TEXT item becomes one paragraph, prefixed by its concept name when it has one
    ('Findings: ...'), in document order, separated by blank lines.
    """
    ds, _ = _read_dataset(source, stop_before_pixels=True)
    sop_class = _str(ds, "SOPClassUID")
    if not (sop_class.startswith(_SR_CLASS_PREFIX) or _str(ds, "Modality").upper() == "SR"):
        return None
    try:
        items = _iter_text_items(ds.get("ContentSequence"))
        parts = [f"{name}: {text}" if name else text for name, text in items]
    except Exception as exc:
        raise UnreadableImageError(f"The SR content tree is malformed ({type(exc).__name__}).") from exc
    return "\n\n".join(parts) if parts else None
