"""Archive and folder safety for ingest: walk zips and directories without escaping or exploding.

``iter_zip_entries`` is the primitive: it yields one ``ZipEntry`` per member, good or bad, so the
importer can list every per-member problem in its summary and still import the rest. A member is
rejected (``entry.error`` set, ``entry.data`` None) for:

* an absolute name ('/etc/x', 'C:/x', '\\\\server\\x'), a '..' component, a NUL byte         (unsafe_path)
* a symbolic link (Unix mode S_IFLNK in external_attr)                                      (symlink)
* encryption                                                                                (encrypted)
* a declared or actual size over the member limit / the archive's remaining byte budget     (too_large)
* a compression ratio over ``max_ratio`` (declared, and re-checked while inflating)        (zip_bomb)
* a CRC or stream error while inflating                                                     (corrupt)
* a duplicate name                                                                          (duplicate)
* members beyond ``max_members``                                                            (too_many_members)

Directories and macOS resource-fork junk ('__MACOSX/', '._*', '.DS_Store') are skipped silently.
``iter_zip_members`` (what importers use) yields ``(name, bytes)`` for good members and a
``MemberError`` (an ``ArchiveError`` with ``.name``, ``.code``, ``.message``) for each bad one.
A file that is not a zip at all raises ``ArchiveError`` (the whole archive is one bad input).
Reading never trusts the header sizes: inflation is streamed and stopped at the limit.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "ArchiveError",
    "MemberError",
    "ZipEntry",
    "extract_zip",
    "iter_files",
    "iter_zip_entries",
    "iter_zip_members",
    "safe_member_name",
]

_CHUNK = 1 << 16
_JUNK_DIRS = {"__MACOSX"}
_JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


class ArchiveError(Exception):
    """An archive (``member`` None) or one of its members could not be used safely."""

    def __init__(self, message: str, *, code: str, member: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.member = member

    def __str__(self) -> str:
        return self.message


class MemberError(ArchiveError):
    """One rejected archive member (yielded, not raised, by ``iter_zip_members``).

    ``name`` is the member's name as stored in the archive (possibly unsafe: show it, never open it).
    """

    def __init__(self, message: str, *, code: str, member: str) -> None:
        super().__init__(message, code=code, member=member)

    @property
    def name(self) -> str:
        return self.member or ""


@dataclass(frozen=True)
class ZipEntry:
    """One zip member: ``name`` is the safe relative name ('' for unsafe ones: see ``raw_name``)."""

    raw_name: str
    name: str
    data: bytes | None
    error: MemberError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_junk(parts: tuple[str, ...]) -> bool:
    return any(p in _JUNK_DIRS for p in parts[:-1]) or parts[-1] in _JUNK_FILES or parts[-1].startswith("._")


def safe_member_name(raw: str) -> str:
    """Return a normalised relative POSIX name, or raise MemberError(code='unsafe_path')."""
    if "\x00" in raw:
        raise MemberError("Member name contains a NUL byte; skipped.", code="unsafe_path", member=raw)
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) >= 2 and name[1] == ":" and name[0].isalpha()):
        raise MemberError(
            f"Member {raw!r} has an absolute path; skipped (archives may only hold relative paths).",
            code="unsafe_path",
            member=raw,
        )
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise MemberError(
            f"Member {raw!r} climbs out of the archive with '..'; skipped.", code="unsafe_path", member=raw
        )
    if not parts:
        raise MemberError(f"Member {raw!r} has an empty name; skipped.", code="unsafe_path", member=raw)
    return str(PurePosixPath(*parts))


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)  # Unix mode bits live in the high 16 bits of external_attr


def _read_bounded(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int, max_ratio: float
) -> bytes:
    """Inflate a member in chunks; stop as soon as it passes ``limit`` bytes or ``max_ratio``."""
    chunks: list[bytes] = []
    total = 0
    compressed = max(info.compress_size, 1)
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise MemberError(
                    f"Member {name!r} inflates past {limit:,} bytes (more than its header declares or the "
                    "size limit allows); skipped.",
                    code="too_large",
                    member=name,
                )
            if total / compressed > max_ratio and total > _CHUNK:
                raise MemberError(
                    f"Member {name!r} inflates more than {max_ratio:g}x (zip bomb); skipped.",
                    code="zip_bomb",
                    member=name,
                )
            chunks.append(chunk)
    return b"".join(chunks)


def iter_zip_entries(
    path: Path,
    *,
    max_members: int,
    max_total_bytes: int,
    max_ratio: float,
    max_member_bytes: int | None = None,
) -> Iterator[ZipEntry]:
    """Yield every member of the zip at ``path`` as a ZipEntry (data or error); see module docstring.

    ``max_total_bytes`` bounds the sum of inflated bytes yielded; ``max_member_bytes`` (default:
    ``max_total_bytes``) bounds one member. Raises ArchiveError only when the file is not a readable zip.
    """
    member_limit = max_total_bytes if max_member_bytes is None else min(max_member_bytes, max_total_bytes)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveError(
            f"Not a readable zip archive ({type(exc).__name__}); check that the upload is complete.",
            code="bad_archive",
        ) from exc
    with zf:
        seen: set[str] = set()
        used = 0
        counted = 0
        for info in zf.infolist():
            raw = info.filename
            if info.is_dir():
                continue
            try:
                name = safe_member_name(raw)
                parts = tuple(name.split("/"))
                if _is_junk(parts):
                    continue
                counted += 1
                if counted > max_members:
                    raise MemberError(
                        f"Member {raw!r} is past the limit of {max_members:,} files per archive; skipped. "
                        "Split the archive.",
                        code="too_many_members",
                        member=raw,
                    )
                if _is_symlink(info):
                    raise MemberError(
                        f"Member {raw!r} is a symbolic link; skipped.", code="symlink", member=raw
                    )
                if info.flag_bits & 0x1:
                    raise MemberError(f"Member {raw!r} is encrypted; skipped.", code="encrypted", member=raw)
                if name in seen:
                    raise MemberError(
                        f"Member {raw!r} appears twice in the archive; the later copy was skipped.",
                        code="duplicate",
                        member=raw,
                    )
                seen.add(name)
                remaining = max_total_bytes - used
                limit = min(member_limit, remaining)
                if info.file_size > limit:
                    which = "per-file" if limit == member_limit else "remaining archive"
                    raise MemberError(
                        f"Member {raw!r} declares {info.file_size:,} bytes, over the {which} limit of "
                        f"{limit:,} bytes; skipped.",
                        code="too_large",
                        member=raw,
                    )
                if info.file_size > _CHUNK and info.file_size / max(info.compress_size, 1) > max_ratio:
                    raise MemberError(
                        f"Member {raw!r} declares a compression ratio of "
                        f"{info.file_size / max(info.compress_size, 1):,.0f}x, over {max_ratio:g}x "
                        "(zip bomb); skipped.",
                        code="zip_bomb",
                        member=raw,
                    )
                try:
                    data = _read_bounded(zf, info, raw, limit, max_ratio)
                except MemberError:
                    raise
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                    raise MemberError(
                        f"Member {raw!r} is damaged ({type(exc).__name__}: {exc}); skipped.",
                        code="corrupt",
                        member=raw,
                    ) from exc
                used += len(data)
                yield ZipEntry(raw_name=raw, name=name, data=data, error=None)
            except MemberError as err:
                yield ZipEntry(raw_name=raw, name="", data=None, error=err)


def iter_zip_members(
    path: Path,
    *,
    max_members: int,
    max_total_bytes: int,
    max_ratio: float,
    errors: list[MemberError] | None = None,
    max_member_bytes: int | None = None,
) -> Iterator[tuple[str, bytes] | MemberError]:
    """Yield (safe relative name, bytes) for each good member and a MemberError for each bad one.

    Iteration always continues past a bad member. If ``errors`` is a list, MemberErrors are appended
    to it instead of being yielded, so the stream holds only (name, bytes) tuples.
    Raises ArchiveError (not MemberError) only when the file is not a readable zip at all.
    """
    for entry in iter_zip_entries(
        path,
        max_members=max_members,
        max_total_bytes=max_total_bytes,
        max_ratio=max_ratio,
        max_member_bytes=max_member_bytes,
    ):
        if entry.error is not None:
            if errors is not None:
                errors.append(entry.error)
            else:
                yield entry.error
            continue
        assert entry.data is not None
        yield entry.name, entry.data


def extract_zip(
    path: Path,
    dest: Path,
    *,
    max_members: int,
    max_total_bytes: int,
    max_ratio: float,
    max_member_bytes: int | None = None,
) -> tuple[list[Path], list[MemberError]]:
    """Extract the good members under ``dest`` (created if needed); return (written files, errors).

    Files are created exclusively (never overwriting, never through an existing link) and their
    resolved paths are checked to lie under ``dest``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[Path] = []
    errors: list[MemberError] = []
    member_errors: list[MemberError] = []
    for item in iter_zip_members(
        path,
        max_members=max_members,
        max_total_bytes=max_total_bytes,
        max_ratio=max_ratio,
        errors=member_errors,
        max_member_bytes=max_member_bytes,
    ):
        assert isinstance(item, tuple)
        name, data = item
        target = root.joinpath(*name.split("/"))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise MemberError(
                    f"Member {name!r} would be written outside the destination; skipped.",
                    code="unsafe_path",
                    member=name,
                )
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(target, flags, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            written.append(target)
        except MemberError as err:
            errors.append(err)
        except OSError as exc:
            errors.append(
                MemberError(
                    f"Member {name!r} could not be written ({exc.strerror}); skipped.",
                    code="write_failed",
                    member=name,
                )
            )
    return written, [*member_errors, *errors]


def iter_files(root: Path) -> Iterator[Path]:
    """Yield regular files under ``root`` in sorted order, never leaving ``root``.

    Symlinked directories are not entered; a symlinked file is yielded only when its target lies
    inside ``root``. Hidden/junk entries ('__MACOSX', '.DS_Store', '._*') are skipped.
    """
    root = Path(root)
    base = root.resolve()
    if not base.is_dir():
        raise ArchiveError(f"{root} is not a folder.", code="not_a_folder")
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if d not in _JUNK_DIRS and not (Path(dirpath) / d).is_symlink()
        )
        for fname in sorted(filenames):
            if fname in _JUNK_FILES or fname.startswith("._"):
                continue
            p = Path(dirpath) / fname
            if p.is_symlink():
                try:
                    target = p.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue
                if not target.is_relative_to(base) or not target.is_file():
                    continue
            elif not p.is_file():
                continue
            yield p
