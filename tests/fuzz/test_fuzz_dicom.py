"""Hypothesis over the DICOM importer: mutated DICOM bytes (truncated, flipped, corrupt lengths and
VRs, random elements) either import as an image or report, or are one clean per-file error in the
IngestSummary with nothing stored. No exception escapes."""

from __future__ import annotations

import struct

from django.conf import settings as django_settings
from hypothesis import event, given
from hypothesis import strategies as st

from annotations.ingest.dicom import import_blob
from annotations.ingest.results import IngestSummary
from annotations.ingest.sources import Blob
from annotations.models import Image, Report
from tests.fuzz.conftest import SEEDS, assert_only_good_files_stored, fuzz

VRS = [
    b"OB",
    b"OW",
    b"UN",
    b"SQ",
    b"US",
    b"UL",
    b"SS",
    b"FD",
    b"DS",
    b"IS",
    b"UI",
    b"LO",
    b"PN",
    b"XX",
    b"\0\0",
]
# Tags worth corrupting: pixel geometry and encoding, plus the structural ones.
TAGS = [
    (0x0028, 0x0010),  # Rows
    (0x0028, 0x0011),  # Columns
    (0x0028, 0x0100),  # BitsAllocated
    (0x0028, 0x0101),  # BitsStored
    (0x0028, 0x0002),  # SamplesPerPixel
    (0x0028, 0x0004),  # PhotometricInterpretation
    (0x0028, 0x0008),  # NumberOfFrames
    (0x0028, 0x1052),  # RescaleIntercept
    (0x0028, 0x1053),  # RescaleSlope
    (0x7FE0, 0x0010),  # PixelData
    (0x0002, 0x0010),  # TransferSyntaxUID
    (0x0040, 0xA730),  # ContentSequence
    (0x0020, 0x000D),  # StudyInstanceUID
]


def _tag_offsets(data: bytes) -> list[int]:
    """Offsets of the interesting tags in little-endian encodings."""
    offsets = []
    for group, element in TAGS:
        needle = struct.pack("<HH", group, element)
        start = data.find(needle, 128)
        if start >= 0:
            offsets.append(start)
    return offsets


@st.composite
def mutated_dicom(draw) -> bytes:
    seed = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[seed])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "length", "vr", "insert", "value", "splice"]))
        offsets = _tag_offsets(bytes(data)) or [132]
        if kind == "truncate":
            del data[draw(st.integers(0, max(len(data) - 1, 0))) :]
        elif kind == "flip" and data:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, len(data) - 1))
                data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "length":
            at = draw(st.sampled_from(offsets))
            length = draw(st.sampled_from([0, 1, 3, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, len(data) * 4]))
            # Explicit VR short form keeps a 2-byte length at +6; long form a 4-byte one at +8.
            if draw(st.booleans()):
                data[at + 6 : at + 8] = struct.pack("<H", length & 0xFFFF)
            else:
                data[at + 8 : at + 12] = struct.pack("<I", length & 0xFFFFFFFF)
        elif kind == "vr":
            at = draw(st.sampled_from(offsets))
            data[at + 4 : at + 6] = draw(st.sampled_from(VRS))
        elif kind == "insert":
            group = draw(st.sampled_from([0x0008, 0x0010, 0x0028, 0x7FE0, 0x0009, 0xFFFE, 0xDDDD]))
            element = draw(st.integers(0, 0xFFFF))
            vr = draw(st.sampled_from(VRS))
            payload = draw(st.binary(max_size=24))
            element_bytes = (
                struct.pack("<HH", group, element) + vr + struct.pack("<H", len(payload)) + payload
            )
            at = draw(st.integers(132, max(len(data), 132)))
            data[at:at] = element_bytes
        elif kind == "value":
            at = draw(st.sampled_from(offsets))
            data[at + 8 : at + 8 + 4] = draw(st.binary(min_size=4, max_size=4))
        elif kind == "splice":
            other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            cut = draw(st.integers(0, len(other)))
            at = draw(st.integers(0, len(data)))
            data[at:] = other[cut:]
    return bytes(data)


@fuzz(250)
@given(content=st.one_of(mutated_dicom(), st.binary(max_size=600)))
def test_mutated_dicoms_import_or_fail_cleanly(fuzz_dataset, content):
    images_before = Image.objects.filter(dataset=fuzz_dataset).count()
    reports_before = Report.objects.filter(study__dataset=fuzz_dataset).count()
    summary = IngestSummary()
    import_blob(fuzz_dataset, Blob("fuzz.dcm", content), summary)  # must not raise
    images = Image.objects.filter(dataset=fuzz_dataset).count()
    reports = Report.objects.filter(study__dataset=fuzz_dataset).count()
    outcomes = (
        summary.created
        + summary.existing
        + summary.failed
        + summary.reports_created
        + summary.reports_updated
    )
    assert outcomes == 1, summary
    event("failed: " + summary.errors[0].code if summary.failed else "imported")
    if summary.failed:
        error = summary.errors[0]
        assert error.file == "fuzz.dcm" and error.code and error.message
        assert (images, reports) == (images_before, reports_before), "a bad file stored something"
    else:
        assert images - images_before == summary.created
    assert_only_good_files_stored(fuzz_dataset, django_settings.MEDIA_ROOT)
