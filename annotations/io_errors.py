"""What an OSError means for a user: a short code, a message naming the cause, the HTTP status.

Used by the job lifecycle (a job failed by a full disk says so) and by the API's error shape (an
upload on a full or unwritable disk answers JSON, never a debug page). Messages never carry paths
or file names (they may name patients).
"""

import errno
from dataclasses import dataclass

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_PERMISSION = {errno.EACCES, errno.EPERM, errno.EROFS}


@dataclass(frozen=True)
class IOFailure:
    code: str
    message: str
    http_status: int


def describe_os_error(exc: OSError, *, doing: str = "writing") -> IOFailure:
    """`doing`: what the server was doing, e.g. "storing the upload", "unpacking the archive"."""
    if exc.errno in _DISK_FULL:
        return IOFailure(
            "disk_full",
            f"The server's disk is full (no space left while {doing}); nothing partial was kept. "
            "Free space or ask an administrator, then try again.",
            507,
        )
    if exc.errno == errno.EFBIG:
        return IOFailure(
            "disk_full",
            f"A file grew past the size the server may write while {doing}; nothing partial was kept.",
            507,
        )
    if exc.errno in _PERMISSION:
        reason = "the file system is read-only" if exc.errno == errno.EROFS else "permission denied"
        return IOFailure(
            "storage_permission",
            f"The server may not write its storage while {doing} ({reason}); nothing partial was kept. "
            "An administrator must fix the storage permissions.",
            503,
        )
    name = errno.errorcode.get(exc.errno or 0, "unknown")
    return IOFailure(
        "io_error",
        f"A storage error ({name}) occurred while {doing}; nothing partial was kept. Try again later.",
        503,
    )
