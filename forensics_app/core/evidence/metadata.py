"""What intake records of a file's metadata: EXIF tags by name, text chunks and comments.

Kept short and readable for the analyst (values trimmed, binary as hex), read while the
pixels are decoded.  What a file *declares* about its origin, worded as claims, is
:mod:`forensics_app.core.provenance`; both read PNG text through
:func:`~forensics_app.core.file_layout.walk_png`, under its limits.
"""

from __future__ import annotations

from typing import Any

from PIL import ExifTags, Image

from forensics_app.core.file_layout import PngLayout, walk_png

__all__ = ["ORIENTATION_TAG", "png_texts", "read_exif", "read_text_metadata", "trim"]

ORIENTATION_TAG = 0x0112
#: Longest EXIF value kept: EXIF is for the analyst to read, not an archive of the file.
_MAX_EXIF_CHARS = 200
#: Longest text chunk kept (PNG "parameters" of a diffusion UI can hold a long prompt).
_MAX_TEXT_CHARS = 4000
#: Bytes shown (as hex) of a binary EXIF value that is not readable text.
_MAX_EXIF_HEX_BYTES = 32

# EXIF tags that describe the file's layout rather than the picture; their values are
# offsets or long tuples that mean nothing to an analyst.
_SKIPPED_EXIF_TAGS = frozenset({
    "ExifOffset", "GPSInfo", "InteropOffset", "MakerNote", "StripOffsets",
    "StripByteCounts", "TileOffsets", "TileByteCounts", "JpegIFOffset",
    "JpegIFByteCount", "PrintImageMatching", "XMLPacket", "IPTCNAA", "ImageResources",
    "InterColorProfile",
})

# Keys in ``Image.info`` that hold structure, not text written by a person or a tool.
_NON_TEXT_INFO_KEYS = frozenset({
    "icc_profile", "exif", "transparency", "dpi", "gamma", "aspect", "interlace",
    "progression", "progressive", "jfif", "jfif_version", "jfif_unit", "jfif_density",
    "adobe", "adobe_transform", "version", "background", "loop", "duration", "disposal",
    "blend", "bbox", "default_image", "compression", "srgb", "chromaticity",
})


def read_exif(image: Image.Image) -> tuple[dict[str, str], int, list[str]]:
    """Readable EXIF tags by name, the orientation value, and notes on any problem."""
    try:
        exif = image.getexif()
        merged: dict[int, Any] = dict(exif)
        for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            if ifd in exif:
                merged.update(exif.get_ifd(ifd))
    except Exception as exc:  # A malformed EXIF block must not cost the pixels.
        return {}, 1, [f"EXIF block could not be read ({exc}); EXIF ignored"]
    orientation = merged.get(ORIENTATION_TAG, 1)
    tags: dict[str, str] = {}
    for tag, value in merged.items():
        name = ExifTags.TAGS.get(tag) or ExifTags.GPSTAGS.get(tag) or f"Tag0x{tag:04X}"
        if name in _SKIPPED_EXIF_TAGS:
            continue
        text = _exif_value_text(value)
        if text:
            tags[name] = text
    try:
        orientation = int(orientation)
    except (TypeError, ValueError):
        orientation = 0
    return tags, orientation, []


def _exif_value_text(value: Any) -> str:
    """A short readable string for an EXIF value; binary values as trimmed hex."""
    if isinstance(value, bytes):
        return _bytes_text(value)
    if isinstance(value, tuple):
        text = ", ".join(_exif_value_text(v) for v in value)
    else:
        text = str(value)
    return trim(text.replace("\x00", "").strip(), _MAX_EXIF_CHARS)


def _bytes_text(value: bytes) -> str:
    """Readable ASCII as text (e.g. a UserComment), anything else as trimmed hex."""
    if value.startswith(b"ASCII\x00\x00\x00"):  # EXIF character-code prefix
        value = value[8:]
    stripped = value.rstrip(b"\x00").strip()
    if not stripped:
        return ""
    if all(32 <= b < 127 or b in (9, 10, 13) for b in stripped):
        return trim(stripped.decode("ascii"), _MAX_EXIF_CHARS)
    shown = stripped[:_MAX_EXIF_HEX_BYTES].hex()
    if len(stripped) > _MAX_EXIF_HEX_BYTES:
        return f"0x{shown}... ({len(stripped)} bytes)"
    return f"0x{shown}"


def trim(text: str, limit: int) -> str:
    """Cut long text, saying how long it was, so nothing looks complete that is not."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters in all)"


def read_text_metadata(info: dict[str, Any]) -> dict[str, str]:
    """Text the file carries besides EXIF: PNG text chunks, comments, XMP.

    Generators and their front-ends often write their name, settings or prompt here (a
    PNG "parameters" or "Software" chunk, a C2PA/IPTC mark in XMP), so the analyst sees it.
    """
    texts: dict[str, str] = {}
    for key, value in info.items():
        if not isinstance(key, str) or key in _NON_TEXT_INFO_KEYS:
            continue
        if isinstance(value, bytes):
            if key not in ("comment", "xmp", "XML:com.adobe.xmp"):
                continue
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str) and value.strip():
            texts[key] = trim(value.strip(), _MAX_TEXT_CHARS)
    return texts


def png_texts(data: bytes, layout: PngLayout | None = None) -> dict[str, str]:
    """A PNG's text chunks read from its bytes (or from their walk, when one was made), under the walk's limits."""
    layout = layout if layout is not None else walk_png(data)
    texts = {key: trim(text.strip(), _MAX_TEXT_CHARS) for _, key, text in layout.texts if key and text.strip()}
    if layout.skipped_texts:
        texts["(not read)"] = f"{layout.skipped_texts:,} more text chunks past the reading limits"
    return texts
