"""The layout of PNG and JPEG files, walked from their bytes without decoding a pixel.

Provenance is read from what the file's own structure holds: text chunks, APP segments,
quantisation tables, where the image ends.  Walking the bytes (instead of asking an
image library) keeps text chunks written after the pixel data, finds data appended after
the image's end, and never spends memory on pixels.  A damaged structure ends the walk
with a problem noted, never an exception.

The walk is bounded in work as well as memory: compressed text chunks inflate to a
budget per file (1,000 chunks of 4 MB each would otherwise take 4 GB), and a PNG keeps at
most :data:`MAX_TEXT_CHUNKS` of its text chunks.  Intake uses the same walk to count a
JPEG's scans before its pixels are decoded (:func:`jpeg_scan_count`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest text a compressed PNG chunk may inflate to (a zip bomb costs no more than this).
_MAX_INFLATED = 4_000_000
#: Inflated text read from one file in all; chunks past it are counted, not inflated.
MAX_INFLATED_PER_FILE = 16_000_000
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
#: Text chunks kept from one PNG; real files hold a handful, front-ends at most a dozen.
MAX_TEXT_CHUNKS = 64


@dataclass
class PngLayout:
    """Text chunks (type, keyword, text), the raw eXIf payload, and where the file ends."""

    texts: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_texts: int = 0  # text chunks past MAX_TEXT_CHUNKS or the inflation budget, not read
    exif: bytes | None = None
    end: int | None = None  # offset just after IEND; None when IEND was never reached
    problems: list[str] = field(default_factory=list)


@dataclass
class JpegFrame:
    """The start-of-frame segment: coding process, size and each component's sampling."""

    marker: int
    width: int
    height: int
    components: list[tuple[int, int, int, int]]  # (id, horizontal, vertical, table id)


@dataclass
class JpegLayout:
    """APP segments, quantisation tables (zigzag order), the frame, and where it ends."""

    segments: list[tuple[int, bytes]] = field(default_factory=list)
    tables: dict[int, list[int]] = field(default_factory=dict)
    frame: JpegFrame | None = None
    scans: int = 0
    end: int | None = None  # offset just after EOI; None when EOI was never reached
    problems: list[str] = field(default_factory=list)

    def app(self, marker: int, prefix: bytes) -> list[bytes]:
        """Payloads of the APPn segments with this marker that start with `prefix`."""
        return [payload[len(prefix):] for code, payload in self.segments if code == marker and payload.startswith(prefix)]


def _png_chunks(data: bytes) -> Iterator[tuple[int, bytes, int]]:
    """(offset, type, declared length) of each chunk whose header is in the file, up to IEND.

    The one walk over a PNG's chunks; a chunk may declare more bytes than the file holds,
    which each caller handles in its own way.
    """
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        kind = data[position + 4:position + 8]
        length = int.from_bytes(data[position:position + 4], "big")
        yield position, kind, length
        if kind == b"IEND":
            return
        position += 12 + length


def walk_png(data: bytes) -> PngLayout:
    """Every chunk of a PNG in order, up to IEND; text chunks decoded, eXIf kept raw."""
    layout = PngLayout()
    budget = [MAX_INFLATED_PER_FILE]
    for start, kind, length in _png_chunks(data):
        body = data[start + 8:start + 8 + length]
        if len(body) < length:
            layout.problems.append(f"the {kind.decode('latin-1')!r} chunk is cut short: the file is truncated")
            return layout
        if kind in _TEXT_CHUNKS:
            if len(layout.texts) >= MAX_TEXT_CHUNKS:
                layout.skipped_texts += 1
                continue
            text = _png_text(kind, body, layout.problems, budget)
            if text:
                layout.texts.append(text)
            elif text is None and budget[0] <= 0:
                layout.skipped_texts += 1
        elif kind == b"eXIf":
            layout.exif = body
        elif kind == b"IEND":
            layout.end = min(start + 12 + length, len(data))
            return layout
    layout.problems.append("the PNG has no IEND chunk: the file is truncated")
    return layout


def _png_text(kind: bytes, body: bytes, problems: list[str], budget: list[int]) -> tuple[str, str, str] | None:
    """(chunk type, keyword, text) of one text chunk; a damaged one becomes a problem.

    ``budget`` holds the bytes still allowed to inflate in this file; a compressed chunk
    met once it is spent is left unread (None).
    """
    keyword, _, rest = body.partition(b"\x00")
    name = keyword[:79].decode("latin-1")  # the PNG specification's longest keyword
    try:
        if kind == b"tEXt":
            return "tEXt", name, rest.decode("latin-1")
        if kind == b"zTXt":
            return ("zTXt", name, _inflate(rest[1:], budget).decode("latin-1")) if budget[0] > 0 else None
        compressed = rest[:1] == b"\x01"
        _language, _, rest = rest[2:].partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        if compressed and budget[0] <= 0:
            return None
        return "iTXt", name, (_inflate(text, budget) if compressed else text).decode("utf-8", errors="replace")
    except (zlib.error, ValueError) as exc:
        problems.append(f"the {kind.decode()} chunk {name!r} could not be decompressed ({exc})")
        return None


def _inflate(payload: bytes, budget: list[int]) -> bytes:
    limit = min(_MAX_INFLATED, budget[0])
    inflater = zlib.decompressobj()
    out = inflater.decompress(payload, limit)
    budget[0] -= len(out)
    if inflater.unconsumed_tail:
        raise ValueError(f"it inflates to more than {limit:,} bytes")
    return out


def png_without_text(data: bytes) -> bytes:
    """The same PNG with its text chunks left out (``data`` itself when it has none).

    Pixels never depend on text chunks, and Pillow refuses a whole file whose one
    compressed text inflates past its own limit ("Decompressed data too large"): a 1.5 KB
    chunk would make a sound image undecodable.  Intake decodes this copy and reads the
    text through :func:`walk_png`, under this module's limits.
    """
    kept, position, dropped = [data[:len(PNG_SIGNATURE)]], len(PNG_SIGNATURE), False
    for start, kind, length in _png_chunks(data):
        position = start + 12 + length
        if kind in _TEXT_CHUNKS:
            dropped = True
        else:
            kept.append(data[start:position])
    kept.append(data[position:])  # what follows IEND, or the incomplete end of a truncated file
    return b"".join(kept) if dropped else data


# JPEG markers without a length field: TEM, SOI, RST0-7.
_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}
# Start-of-frame markers (all coding processes); DHT, JPG and DAC share the range.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def walk_jpeg(data: bytes, stop_after_scans: int = 1_000_000) -> JpegLayout:
    """Every marker segment of a JPEG in order, through each scan, up to EOI.

    The walk ends early, without an end found, once more than ``stop_after_scans`` scans
    were counted (the caller only wanted to know whether there are that many).
    """
    layout = JpegLayout()
    position = 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            layout.problems.append(f"no JPEG marker at byte {position:,}: the structure is damaged")
            return layout
        code = data[position + 1]
        if code == 0xFF:  # fill byte
            position += 1
            continue
        if code in _STANDALONE:
            position += 2
            continue
        if code == 0xD9:
            layout.end = position + 2
            return layout
        if position + 4 > len(data):
            break
        length = int.from_bytes(data[position + 2:position + 4], "big")
        payload = data[position + 4:position + 2 + length]
        if length < 2 or len(payload) < length - 2:
            break
        _segment(layout, code, payload)
        position += 2 + length
        if code == 0xDA:
            layout.scans += 1
            if layout.scans > stop_after_scans:
                return layout
            position = _after_scan(data, position)
    layout.problems.append("the JPEG ends before its end-of-image marker: the file is truncated")
    return layout


def jpeg_scan_count(data: bytes, stop_after: int) -> int:
    """How many scans (SOS segments) a JPEG holds, counted up to ``stop_after + 1``.

    A progressive JPEG has a handful; one that repeats an empty scan 100,000 times decodes
    for hours in libjpeg while staying under every pixel limit.
    """
    return walk_jpeg(data, stop_after_scans=stop_after).scans


def _segment(layout: JpegLayout, code: int, payload: bytes) -> None:
    if 0xE0 <= code <= 0xEF or code == 0xFE:
        layout.segments.append((code, payload))
    elif code == 0xDB:
        _tables(layout, payload)
    elif code in _SOF and len(payload) >= 6:
        count = payload[5]
        components = []
        for i in range(count):
            part = payload[6 + 3 * i:9 + 3 * i]
            if len(part) == 3:
                components.append((part[0], part[1] >> 4, part[1] & 0x0F, part[2]))
        layout.frame = JpegFrame(code, int.from_bytes(payload[3:5], "big"), int.from_bytes(payload[1:3], "big"),
                                 components)


def _tables(layout: JpegLayout, payload: bytes) -> None:
    """A DQT segment may hold several tables, 8- or 16-bit each."""
    position = 0
    while position < len(payload):
        precision, table_id = payload[position] >> 4, payload[position] & 0x0F
        size = 128 if precision else 64
        body = payload[position + 1:position + 1 + size]
        if len(body) < size:
            layout.problems.append("a quantisation table is cut short")
            return
        layout.tables[table_id] = (
            [int.from_bytes(body[i:i + 2], "big") for i in range(0, 128, 2)] if precision else list(body)
        )
        position += 1 + size


def _after_scan(data: bytes, position: int) -> int:
    """The offset of the first marker after entropy-coded data (stuffed bytes and RSTs skipped)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return len(data)
        following = data[position + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position += 1 if following == 0xFF else 2
            continue
        return position
