"""Hypothesis over zip ingest: random member names (traversal, absolute, drive letters, NUL, backslashes,
very long, duplicates, junk), symlink members, random or valid DICOM content, and corrupted archive
bytes. The DICOM importer reports every bad member as a per-file error and imports the rest;
extraction never writes outside its destination. No exception escapes."""

from __future__ import annotations

import io
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import event, given
from hypothesis import strategies as st

from annotations.ingest import archives
from annotations.ingest.dicom import import_dicom
from annotations.models import Image
from tests.fuzz.conftest import SEEDS, assert_only_good_files_stored, fuzz

NAMES = st.one_of(
    st.sampled_from(
        [
            "a.dcm",
            "dir/b.dcm",
            "../escape.dcm",
            "../../../../tmp/escape.dcm",
            "dir/../../escape.dcm",
            "/etc/passwd",
            "/abs.dcm",
            "C:/win.dcm",
            "C:\\win.dcm",
            "\\\\server\\share\\x.dcm",
            "dir\\..\\..\\escape.dcm",
            "NUL\x00.dcm",
            "__MACOSX/._a.dcm",
            "._a.dcm",
            ".DS_Store",
            "dir/",
            "./././c.dcm",
            "",
            "Ω/ünïcode.dcm",
            "x" * 250 + ".dcm",
        ]
    ),
    st.text(min_size=1, max_size=30),
)
CONTENT = st.one_of(st.sampled_from(sorted(SEEDS.values())), st.binary(max_size=200), st.just(b""))


@st.composite
def zip_bytes(draw) -> bytes:
    members = draw(st.lists(st.tuples(NAMES, CONTENT, st.booleans(), st.booleans()), min_size=1, max_size=6))
    buf = io.BytesIO()
    nul_names = []
    with zipfile.ZipFile(buf, "w") as zf:
        for i, (name, content, symlink, deflate) in enumerate(members):
            if "\x00" in name:  # zipfile cuts names at NUL: write a placeholder, patch the bytes below
                placeholder = name.replace("\x00", "#")
                nul_names.append((placeholder, name))
                name = placeholder
            info = zipfile.ZipInfo(name or f"empty{i}")
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            if symlink:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, content)
    data = buf.getvalue()
    for placeholder, name in nul_names:
        data = data.replace(placeholder.encode(), name.encode())
    mutation = draw(st.sampled_from(["none"] * 5 + ["flip", "truncate"]))
    data = bytearray(data)
    if mutation == "flip":
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    elif mutation == "truncate":
        del data[draw(st.integers(0, len(data) - 1)) :]
    return bytes(data)


def _tree(root: Path) -> set[Path]:
    """Everything under root except the isolated MEDIA_ROOT (where good images are meant to go)."""
    media = Path(django_settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if not p.is_relative_to(media)}


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
@fuzz(150)
@given(content=zip_bytes())
def test_zip_import_reports_bad_members_and_imports_the_rest(fuzz_dataset, tmp_path, content):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    upload = work / "upload.zip"
    upload.write_bytes(content)
    outside = _tree(tmp_path)
    before = Image.objects.filter(dataset=fuzz_dataset).count()

    summary = import_dicom(fuzz_dataset, [upload])  # must not raise

    event(f"{summary.created + summary.existing} imported, {summary.failed} failed")
    assert Image.objects.filter(dataset=fuzz_dataset).count() - before == summary.created
    for error in summary.errors:
        assert error.file.startswith("upload.zip") and error.code and error.message
    assert_only_good_files_stored(fuzz_dataset, django_settings.MEDIA_ROOT)

    dest = work / "x"
    try:
        written, _errors = archives.extract_zip(
            upload, dest, max_members=50, max_total_bytes=1 << 20, max_ratio=200.0
        )
    except archives.ArchiveError as exc:  # the file is not a readable zip at all
        assert exc.code == "bad_archive"
        written = []
    root = dest.resolve()
    for path in written:
        assert path.resolve().is_relative_to(root) and not path.is_symlink()
    assert {p for p in _tree(tmp_path) - outside if not p.is_relative_to(dest)} == set(), "wrote outside dest"
    shutil.rmtree(dest, ignore_errors=True)
