"""annotations.ingest.archives (kept with the pixel-layer tests: same owner): safe zips and folders."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from annotations.ingest.archives import (
    ArchiveError,
    MemberError,
    extract_zip,
    iter_files,
    iter_zip_entries,
    iter_zip_members,
    safe_member_name,
)

LIMITS = {"max_members": 100, "max_total_bytes": 50_000_000, "max_ratio": 100.0}


def _zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def _symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def test_hostile_members_are_reported_and_good_ones_still_yielded(tmp_path):
    path = _zip(
        tmp_path / "mixed.zip",
        [
            ("study/a.dcm", b"AAAA"),
            ("../x", b"escape"),
            ("/abs", b"absolute"),
            ("dir/../../etc/passwd", b"escape2"),
            (_symlink_info("link.dcm"), b"/etc/passwd"),
            ("bomb.bin", b"\0" * 20_000_000),
            ("study/b.dcm", b"BBBB"),
        ],
    )
    items = list(iter_zip_members(path, **LIMITS))
    good = [i for i in items if isinstance(i, tuple)]
    bad = {i.name: i.code for i in items if isinstance(i, MemberError)}
    assert good == [("study/a.dcm", b"AAAA"), ("study/b.dcm", b"BBBB")]
    assert bad == {
        "../x": "unsafe_path",
        "/abs": "unsafe_path",
        "dir/../../etc/passwd": "unsafe_path",
        "link.dcm": "symlink",
        "bomb.bin": "zip_bomb",
    }
    for item in items:
        if isinstance(item, MemberError):
            assert item.name in item.message and "skipped" in item.message


def test_errors_list_variant_yields_only_tuples(tmp_path):
    path = _zip(tmp_path / "m.zip", [("ok.txt", b"1"), ("../bad", b"2")])
    errors: list[MemberError] = []
    assert list(iter_zip_members(path, **LIMITS, errors=errors)) == [("ok.txt", b"1")]
    assert [(e.name, e.code) for e in errors] == [("../bad", "unsafe_path")]


def test_bomb_that_lies_about_its_size_is_stopped_while_inflating(tmp_path):
    path = tmp_path / "liar.zip"
    _zip(path, [("liar.bin", b"\0" * 5_000_000), ("ok.txt", b"fine")])
    # rewrite the central directory's declared uncompressed size to something innocent
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("liar.bin")
        declared_offset = info.header_offset
    raw = bytearray(path.read_bytes())
    first_cd = raw.find(b"PK\x01\x02")  # liar.bin's central directory record comes first
    raw[first_cd + 24 : first_cd + 28] = (1000).to_bytes(4, "little")  # central dir: uncompressed size
    raw[declared_offset + 22 : declared_offset + 26] = (1000).to_bytes(4, "little")  # local header
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("liar.bin").file_size == 1000  # the lie is what the header now says
    items = list(iter_zip_members(path, **LIMITS))
    bad = [i for i in items if isinstance(i, MemberError)]
    assert [b.name for b in bad] == ["liar.bin"]
    assert bad[0].code in {"too_large", "zip_bomb", "corrupt"}
    assert ("ok.txt", b"fine") in items


def test_size_and_count_limits(tmp_path):
    path = _zip(tmp_path / "big.zip", [(f"f{i}.bin", os.urandom(1000)) for i in range(5)])
    items = list(iter_zip_members(path, max_members=3, max_total_bytes=10_000, max_ratio=100))
    assert [i[0] for i in items if isinstance(i, tuple)] == ["f0.bin", "f1.bin", "f2.bin"]
    assert [i.code for i in items if isinstance(i, MemberError)] == ["too_many_members"] * 2
    items = list(iter_zip_members(path, max_members=10, max_total_bytes=2500, max_ratio=100))
    assert [i[0] for i in items if isinstance(i, tuple)] == ["f0.bin", "f1.bin"]
    assert {i.code for i in items if isinstance(i, MemberError)} == {"too_large"}


def test_duplicates_directories_and_mac_junk(tmp_path):
    path = tmp_path / "d.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/", b"")
        zf.writestr("a/x.dcm", b"1")
        zf.writestr("__MACOSX/a/._x.dcm", b"junk")
        zf.writestr(".DS_Store", b"junk")
        zf.writestr("a\\x.dcm", b"2")  # same name with a Windows separator
    items = list(iter_zip_members(path, **LIMITS))
    assert items[0] == ("a/x.dcm", b"1")
    assert [(i.name, i.code) for i in items[1:]] == [("a\\x.dcm", "duplicate")]


def test_not_a_zip_raises_archive_error(tmp_path):
    path = tmp_path / "no.zip"
    path.write_bytes(b"PK\x03\x04 but not really a zip" * 3)
    with pytest.raises(ArchiveError) as info:
        list(iter_zip_members(path, **LIMITS))
    assert info.value.code == "bad_archive" and not isinstance(info.value, MemberError)


def test_corrupt_member_is_reported(tmp_path):
    path = _zip(tmp_path / "c.zip", [("a.bin", os.urandom(3000)), ("b.txt", b"ok")])
    raw = bytearray(path.read_bytes())
    raw[100:140] = b"\xff" * 40  # inside a.bin's compressed data
    path.write_bytes(bytes(raw))
    entries = list(iter_zip_entries(path, **LIMITS))
    assert entries[0].error is not None and entries[0].error.code == "corrupt"
    assert entries[1].ok and entries[1].data == b"ok"


@pytest.mark.parametrize(
    ("raw", "safe"), [("a/b.dcm", "a/b.dcm"), ("./a//b.dcm", "a/b.dcm"), ("a\\b.dcm", "a/b.dcm")]
)
def test_safe_member_name(raw, safe):
    assert safe_member_name(raw) == safe


@pytest.mark.parametrize(
    "raw", ["../a", "a/../../b", "/etc/passwd", "C:/x", "c:\\x", "\\\\srv\\share", "a\x00b", "./"]
)
def test_unsafe_member_names(raw):
    with pytest.raises(MemberError):
        safe_member_name(raw)


def test_extract_zip_writes_only_good_members_inside_dest(tmp_path):
    path = _zip(tmp_path / "e.zip", [("a/b.txt", b"1"), ("../evil.txt", b"2"), (_symlink_info("l"), b"/etc")])
    dest = tmp_path / "out"
    written, errors = extract_zip(path, dest, **LIMITS)
    assert [p.relative_to(dest.resolve()).as_posix() for p in written] == ["a/b.txt"]
    assert (dest / "a" / "b.txt").read_bytes() == b"1"
    assert sorted(e.code for e in errors) == ["symlink", "unsafe_path"]
    assert not (tmp_path / "evil.txt").exists()


def test_iter_files_stays_inside_root(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "a.dcm").write_bytes(b"a")
    (root / "sub" / "b.dcm").write_bytes(b"b")
    (root / ".DS_Store").write_bytes(b"junk")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.dcm").write_bytes(b"s")
    (root / "link_out.dcm").symlink_to(outside / "secret.dcm")
    (root / "link_dir").symlink_to(outside, target_is_directory=True)
    (root / "link_in.dcm").symlink_to(root / "a.dcm")
    (root / "loop").symlink_to(root, target_is_directory=True)
    names = [p.relative_to(root.resolve()).as_posix() for p in iter_files(root)]
    assert names == ["a.dcm", "link_in.dcm", "sub/b.dcm"]


def test_iter_files_on_a_file_is_an_error(tmp_path):
    (tmp_path / "x").write_bytes(b"")
    with pytest.raises(ArchiveError):
        list(iter_files(tmp_path / "x"))
