"""Editable metadata: PNG text chunks, EXIF and XMP, each read and worded as a claim.

These fields are written by whatever software last saved the file and can be changed by
anyone with a metadata editor, so every sentence built here says so.  Tag names follow
exiftool's, the vocabulary analysts know.  A block that cannot be parsed becomes a
sentence saying so; nothing here raises.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from PIL import ExifTags, Image

from forensics_app.core.evidence import PILLOW_STATE_LOCK
from forensics_app.core.provenance.entry import EDITABLE, ProvenanceEntry, quoted
from forensics_app.core.provenance.tools import generator_in_text, recognise

#: EXIF tags that carry what a person or a program declared, in the order they are told.
_DECLARING = ("Software", "UserComment", "ImageDescription", "XPComment", "Make", "Model", "HostComputer",
              "Artist", "Copyright", "MakerNote", "DateTimeOriginal", "DateTime")
#: Tags that are offsets or binary layout, meaningless to read.
_LAYOUT = {"ExifOffset", "GPSInfo", "InteropOffset", "StripOffsets", "StripByteCounts", "TileOffsets",
           "TileByteCounts", "JpegIFOffset", "JpegIFByteCount", "XMLPacket", "IPTCNAA", "ImageResources",
           "InterColorProfile", "PrintImageMatching"}
_DIGITAL_SOURCE = re.compile(r"digitalsourcetype/(\w+)", re.IGNORECASE)
#: Largest XMP packet read; real packets are a few KB (a thumbnail-laden one, a few hundred).
MAX_XMP_BYTES = 512_000
#: Bounded repeats only: an unbounded ``\w+`` or ``[^>]+`` backtracks quadratically over a
#: packet of letters (30 KB took 13 s), so every run here has a ceiling and each search is linear.
_TAG = re.compile(r"<[^<>]{0,2000}>")
_XMP_FIELDS = ("CreatorTool", "Software", "DigitalSourceType", "Credit", "Description", "creator", "Make", "Model",
               "CreateDate", "ModifyDate", "History")
#: Each field's attribute form and the opening tag of its element form.
_XMP_PATTERNS = {
    name: (re.compile(rf"(?<![\w:])\w{{1,40}}:{name}=\"([^\"]{{0,4000}})\""),
           re.compile(rf"<(\w{{1,40}}):{name}(?:\s[^<>]{{0,2000}})?>"))
    for name in _XMP_FIELDS
}


def png_text_entry(texts: list[tuple[str, str, str]], skipped: int = 0) -> ProvenanceEntry | None:
    """All text chunks read, with the recipe of the front-end that wrote them when recognised.

    ``skipped`` counts the chunks the walk left unread (past its limits); the sentence says so.
    """
    unread = (f" {skipped:,} more text chunk{'s' if skipped != 1 else ''} past the reading limits "
              "were not read.") if skipped else ""
    if not texts:
        return ProvenanceEntry("png-text", f"PNG text chunks are present but none was read.{unread}",
                               details={"text chunks not read": str(skipped)}) if skipped else None
    by_key = {key: text for _, key, text in texts if key not in ("XML:com.adobe.xmp",)}
    if not by_key:
        return None
    details = ({"text chunks not read": str(skipped)} if skipped else {}) | {f"{kind} {key}": _short(text, 2000) for kind, key, text in texts if key != "XML:com.adobe.xmp"}
    recipe = recognise(by_key)
    if recipe:
        details.update({f"recipe: {k}": _short(v, 500) for k, v in recipe.fields.items()})
        model = f" with model {quoted(recipe.model)}" if recipe.model else " (no model named)"
        settings = ", ".join(f"{k} {v}" for k, v in recipe.fields.items()
                             if k.lower() in ("seed", "sampler", "sampler_name", "steps"))
        says = (f"PNG text chunks hold a {recipe.tool} generation recipe{model}"
                f"{'; ' + settings if settings else ''} ({EDITABLE}).{unread}")
        return ProvenanceEntry("png-text", says, generator=recipe.tool, model=recipe.model, details=details)
    named = next((g for g in map(generator_in_text, by_key.values()) if g), None)
    keys = ", ".join(quoted(k, 40) for k in list(by_key)[:8]) + (f" and {len(by_key) - 8} more" if len(by_key) > 8 else "")
    says = (f"PNG text chunks {keys}" + (f" name {quoted(named)}" if named else " name no generator")
            + f" ({EDITABLE}).{unread}")
    return ProvenanceEntry("png-text", says, generator=named, details=details)


def read_exif(raw: bytes | None, image: Image.Image | None) -> tuple[dict[str, str], str | None]:
    """(tag name -> readable value, problem): from raw TIFF bytes, else from Pillow's header.

    Pillow's warnings on a damaged block (one per bad tag, up to 65,535) are caught and
    summed up in the problem, never printed.
    """
    with PILLOW_STATE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tags, problem = _read_exif_tags(raw, image)
    if caught and problem is None:
        first = str(caught[0].message)
        more = f" and {len(caught) - 1:,} more warning(s)" if len(caught) > 1 else ""
        problem_note = f"Pillow warned while reading it: {_short(first, 200)}{more}"
        if not tags:
            return tags, f"the EXIF block is damaged ({problem_note})"
        tags = {**tags, "reading warnings": problem_note}
    return tags, problem


def _read_exif_tags(raw: bytes | None, image: Image.Image | None) -> tuple[dict[str, str], str | None]:
    try:
        exif = Image.Exif()
        if raw:
            exif.load(raw if raw.startswith(b"Exif") else b"Exif\x00\x00" + raw)
        elif image is not None:
            exif = image.getexif()
        else:
            return {}, None
        merged: dict[int, Any] = dict(exif)
        for ifd in (ExifTags.IFD.Exif,):
            if ifd in exif:
                merged.update(exif.get_ifd(ifd))
    except Exception as exc:  # Pillow raises many types on a malformed EXIF block.
        return {}, f"the EXIF block could not be parsed ({type(exc).__name__}: {exc})"
    tags = {}
    for tag, value in merged.items():
        name = ExifTags.TAGS.get(tag, f"Tag0x{tag:04X}")
        text = _value_text(name, value)
        if name not in _LAYOUT and text:
            tags[name] = text
    return tags, None


def exif_entry(tags: dict[str, str], problem: str | None) -> ProvenanceEntry | None:
    """What the EXIF declares in one sentence; the generator when a field names one."""
    if problem:
        return ProvenanceEntry("exif", f"An EXIF block is present but {problem}.", flag="EXIF unreadable",
                               details={"problem": problem})
    if not tags:
        return None
    told = [f"{name} {quoted(tags[name])}" for name in _DECLARING if name in tags]
    named = next((g for g in (generator_in_text(tags[n]) for n in _DECLARING if n in tags) if g), None)
    says = f"EXIF declares {'; '.join(told) if told else 'no software, camera or comment'} ({EDITABLE})."
    return ProvenanceEntry("exif", says, generator=named, details=dict(tags))


def find_xmp(data: bytes) -> str | None:
    """The XMP packet wherever the container put it (JPEG APP1, PNG iTXt, WebP, TIFF)."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        start = data.find(b"<rdf:RDF")
    if start < 0:
        return None
    window = data[start:start + MAX_XMP_BYTES]
    end = window.find(b"</x:xmpmeta>")
    end = window.find(b"</rdf:RDF>") + 10 if end < 0 else end + 12
    return window[:end if end > 0 else 100_000].decode("utf-8", errors="replace")


def _xmp_value(packet: str, name: str) -> str | None:
    """The first value of a field, as an attribute or as an element (closing tag found by ``find``)."""
    attribute, opening = _XMP_PATTERNS[name]
    match = attribute.search(packet)
    if match:
        return match.group(1)
    for count, match in enumerate(opening.finditer(packet)):
        close = packet.find(f"</{match.group(1)}:{name}>", match.end(), match.end() + 20_000)
        if close >= 0:
            return packet[match.end():close]
        if count >= 50:
            break
    return None


def xmp_entry(packet: str | None) -> ProvenanceEntry | None:
    """CreatorTool, IPTC DigitalSourceType and other declaring fields of an XMP packet."""
    if not packet:
        return None
    found: dict[str, str] = {}
    for name in _XMP_FIELDS:
        value = _xmp_value(packet, name)
        if value is not None:
            value = _TAG.sub(" ", value)
            value = " ".join(value.split())
            if value:
                found[name] = value
    source = _DIGITAL_SOURCE.search(found.get("DigitalSourceType", "") or packet)
    if source:
        found["DigitalSourceType"] = source.group(1)
    if not found:
        return ProvenanceEntry("xmp", f"An XMP packet is present but declares no tool or source ({EDITABLE}).",
                               details={"XMP bytes": str(len(packet))})
    named = next((g for g in (generator_in_text(found[k]) for k in ("CreatorTool", "Software", "Credit",
                                                                  "Description") if k in found) if g), None)
    told = "; ".join(f"{k} {quoted(v)}" for k, v in found.items() if k != "History")
    if source:
        from forensics_app.core.provenance.c2pa_words import source_words

        told += f" (that is: {source_words(source.group(1))})"
    return ProvenanceEntry("xmp", f"XMP declares {told} ({EDITABLE}).", generator=named, details=found,
                           source_type=source.group(1) if source else None)


def _value_text(name: str, value: Any) -> str:
    """Readable text for one EXIF value; UserComment's charset prefix and UTF-16 handled."""
    if isinstance(value, bytes):
        if name.startswith("XP"):
            return value.decode("utf-16-le", errors="replace").rstrip("\x00").strip()
        head, body = value[:8], value[8:]
        if head.startswith(b"UNICODE"):
            encoding = "utf-16-be" if body[:1] == b"\x00" else "utf-16-le"
            return body.decode(encoding, errors="replace").rstrip("\x00").strip()
        if head in (b"ASCII\x00\x00\x00", b"\x00" * 8, b"JIS\x00\x00\x00\x00\x00"):
            value = body
        text = value.rstrip(b"\x00").strip()
        if text and all(32 <= b < 127 or b in (9, 10, 13) for b in text):
            return _short(text.decode("ascii"), 500)
        return f"({len(value)} bytes of binary data)" if value else ""
    if isinstance(value, tuple):
        return _short(", ".join(_value_text(name, v) for v in value), 200)
    return _short(str(value).replace("\x00", "").strip(), 500)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters in all)"
