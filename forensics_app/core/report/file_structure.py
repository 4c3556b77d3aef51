"""Where a C2PA manifest sits in an image file, found by walking the file's own structure.

Only the bytes are read, never decoded as an image, so a file that cannot be opened as a
picture is still scanned.  Presence is detected; signatures and claims are not validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_APP11 = 0xEB
# A JUMBF description box ('jumd') whose type UUID or label is 'c2pa' (ISO 19566-5, C2PA 1.x).
_JUMBF_C2PA = re.compile(rb"jumd.{0,40}?c2pa", re.DOTALL)


def find_c2pa(data: bytes) -> str | None:
    """Where a C2PA manifest store sits in the file's bytes, or None when none was found.

    Looks where the C2PA specification puts it: a PNG 'caBX' chunk, JPEG APP11 segments
    holding JUMBF, and, for any other container (WebP, HEIF, TIFF, ...), a JUMBF box
    labelled 'c2pa' anywhere in the file.  Presence only: signatures are not validated.
    """
    if data.startswith(_PNG_SIGNATURE) and b"caBX" in _png_chunk_types(data):
        return "PNG caBX chunk"
    if data.startswith(b"\xff\xd8") and any(_JUMBF_C2PA.search(s) for s in _jpeg_segments(data, _JPEG_APP11)):
        return "JPEG APP11 segment (JUMBF)"
    if _JUMBF_C2PA.search(data):
        return "JUMBF box labelled c2pa"
    return None


def _png_chunk_types(data: bytes) -> list[bytes]:
    """The chunk types of a PNG in file order, up to IEND or the end of the bytes."""
    types, position = [], len(_PNG_SIGNATURE)
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        types.append(kind)
        if kind == b"IEND":
            break
        position += 12 + length
    return types


def _jpeg_segments(data: bytes, marker: int) -> Iterator[bytes]:
    """Payloads of the JPEG marker segments with this code, up to the start of scan."""
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        code = data[position + 1]
        if code == 0xFF:  # fill byte
            position += 1
            continue
        if code in (0x01, 0xD8) or 0xD0 <= code <= 0xD7:  # markers without a length
            position += 2
            continue
        if code in (0xD9, 0xDA):  # end of image, start of scan: metadata is over
            return
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if code == marker:
            yield data[position + 4:position + 2 + length]
        position += 2 + length
