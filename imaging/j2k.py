"""Repair of JPEG 2000 codestreams that carry marker segments after their last tile-part.

Some encoders (Kakadu among them: the NEMA WG04 test images) append a COM segment ("PADDING")
between the last tile-part's data and EOC. PS3.5 and ISO 15444-1 allow COM only in headers, and
OpenJPEG (pylibjpeg-openjpeg, Pillow) then refuses the whole image. The tile-parts declare their own
lengths (Psot), so whatever lies between the end of the last one and EOC is not image data: dropping it
changes no pixel.
"""

from __future__ import annotations

import struct

_SOC, _SOT, _EOC = b"\xff\x4f", b"\xff\x90", b"\xff\xd9"


def strip_after_last_tile(codestream: bytes) -> bytes | None:
    """The codestream with anything between its last tile-part and EOC removed; None if nothing to remove.

    None also when the stream cannot be walked safely (not a raw codestream, a tile-part of unknown
    length (Psot = 0), lengths pointing past the end): the caller then keeps the original error.
    """
    data = bytes(codestream)
    if not data.startswith(_SOC):
        return None
    pos, end = 2, len(data)
    while pos + 4 <= end and data[pos : pos + 2] != _SOT:  # main header: marker segments with lengths
        if data[pos] != 0xFF:
            return None
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    if pos + 12 > end:
        return None
    while data[pos : pos + 2] == _SOT:
        if pos + 10 > end:
            return None
        psot = struct.unpack(">I", data[pos + 6 : pos + 10])[0]
        if psot == 0 or pos + psot > end:
            return None
        pos += psot
    if data[pos:] in (_EOC, b""):
        return None
    return data[:pos] + _EOC
