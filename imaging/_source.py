"""Turn the accepted source kinds (path, bytes, binary file object) into a seekable binary stream."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

Source = Path | str | bytes | bytearray | memoryview | BinaryIO


@contextmanager
def open_source(source: Source) -> Iterator[BinaryIO]:
    """Yield a readable, seekable binary stream positioned at the start of the source.

    Paths are opened (and closed afterwards); bytes are wrapped; file objects are used as they are
    (rewound to where they were when given, not closed).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        yield io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            yield fh  # type: ignore[misc]
    else:
        start = source.tell() if source.seekable() else None
        if start is None:
            yield io.BytesIO(source.read())
        else:
            try:
                yield source
            finally:
                source.seek(start)
