"""What an image file declares about its own origin, beside the fingerprint.

The fingerprint says what the pixels resemble; the file can also *say* where it came
from: signed Content Credentials (C2PA), a generation recipe in PNG text chunks, EXIF and
XMP fields, and the traces its structure keeps (real format against its name, JPEG
tables, data after the end).  :func:`read_provenance` reads all of them from the bytes,
without decoding pixels, into a list of :class:`ProvenanceEntry`, each one sentence that
says what the file claims and whether that claim is cryptographically bound or freely
editable.  Provenance is shown apart from the fingerprint's conclusion and never enters
its likelihood ratio.

Modules: ``entry`` (the record and its wording), ``metadata`` (PNG text, EXIF, XMP), ``tools`` (front-ends' recipes),
``c2pa_reader`` and ``c2pa_words`` (the SDK and its results in words), ``trust`` (trust
anchors), ``jpeg_tables`` and ``structure`` (what the encoding and layout say).  PNG and
JPEG files are walked from their bytes by :mod:`forensics_app.core.file_layout`, which intake
uses too.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from forensics_app.core.evidence import DEFAULT_MAX_FILE_BYTES, header_view
from forensics_app.core.provenance.agreement import DeclarationCheck, check_declaration
from forensics_app.core.provenance.c2pa_reader import c2pa_entry
from forensics_app.core.file_layout import PNG_SIGNATURE, PngLayout, walk_jpeg, walk_png
from forensics_app.core.provenance.entry import KINDS, ProvenanceEntry, declaration
from forensics_app.core.provenance.jpeg_tables import jpeg_entry
from forensics_app.core.provenance.metadata import exif_entry, find_xmp, png_text_entry, read_exif, xmp_entry
from forensics_app.core.provenance.structure import format_entry, size_entry, sniff, trailing_entry
from forensics_app.core.provenance.trust import TRUST_VARIABLE, TrustAnchors, load_anchors
from forensics_app.core.regular_file import FileRefused, read_regular_file

__all__ = ["KINDS", "TRUST_VARIABLE", "DeclarationCheck", "ProvenanceEntry", "ReferenceSizes", "TrustAnchors",
           "c2pa_status", "check_declaration",
           "declaration", "load_anchors", "read_provenance", "read_provenance_bytes"]

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WebP": "image/webp", "TIFF": "image/tiff", "HEIF": "image/heif",
         "AVIF": "image/avif", "JPEG XL": "image/jxl"}

ReferenceSizes = Mapping[str, Collection[tuple[int, int]]]


def read_provenance(path: str | os.PathLike[str], anchors: TrustAnchors | None = None,
                    reference_sizes: ReferenceSizes | None = None) -> list[ProvenanceEntry]:
    """Read the file once, read-only, and say what it declares; an unreadable file is said so."""
    try:
        data = read_regular_file(path, DEFAULT_MAX_FILE_BYTES)  # never blocks on a pipe or reads a device
    except FileRefused as exc:
        return [ProvenanceEntry("unreadable", f"The file was not read ({exc.reason}); nothing it declares was "
                                              "examined.", flag="unreadable")]
    except OSError as exc:
        return [ProvenanceEntry("unreadable", f"The file could not be read ({exc.strerror or exc}); "
                                              "nothing it declares was examined.", flag="unreadable")]
    return read_provenance_bytes(path, data, anchors, reference_sizes)


def read_provenance_bytes(path: str | os.PathLike[str], data: bytes, anchors: TrustAnchors | None = None,
                          reference_sizes: ReferenceSizes | None = None,
                          png: PngLayout | None = None) -> list[ProvenanceEntry]:
    """Every provenance entry of these bytes, in the order of :data:`KINDS`; never raises.

    ``png``: the walk of a PNG's chunks when intake made one too (its text inflated once).
    """
    if not data:
        return [ProvenanceEntry("unreadable", "The file is empty: it declares nothing.", flag="empty file")]
    real = sniff(data)
    entries = [c2pa_entry(data, _MIME.get(real or ""), anchors if anchors is not None else load_anchors())]
    image = header_view(data)
    structure: list[ProvenanceEntry] = []
    raw_exif = None
    if data.startswith(PNG_SIGNATURE):
        png = png if png is not None else walk_png(data)
        raw_exif = png.exif
        entries.append(png_text_entry(png.texts, png.skipped_texts))
        structure.append(trailing_entry("PNG", data, png.end, png.problems))
    elif real == "JPEG":
        jpeg = walk_jpeg(data)
        raw_exif = next(iter(jpeg.app(0xE1, b"Exif\x00\x00")), None)
        structure.append(jpeg_entry(jpeg))
        structure.append(trailing_entry("JPEG", data, jpeg.end, jpeg.problems))
    tags, problem = read_exif(raw_exif, image if raw_exif is None else None)
    entries.append(exif_entry(tags, problem))
    entries.append(xmp_entry(find_xmp(data)))
    if not any(e for e in entries[1:]):
        entries.append(ProvenanceEntry("exif", "No EXIF, XMP or PNG text metadata: none of these declares a "
                                               "software, camera or generator."))
    entries.append(format_entry(path, data))
    entries.extend(structure)
    if image is not None:
        entries.append(size_entry(image.size[0], image.size[1], reference_sizes))
    return [e for e in entries if e is not None]


def c2pa_status(data: bytes) -> str | None:
    """A few words on the file's C2PA manifest read through the SDK, None when it has none.

    For tables that re-read a file (the report's integrity check): "valid signature ...",
    "signature NOT valid ..." or "present but unreadable ...".
    """
    entry = c2pa_entry(data, _MIME.get(sniff(data) or ""), load_anchors())
    if entry.valid is None:
        return None
    if entry.valid:
        return f"valid signature by {entry.signer or 'an unnamed signer'}"
    if entry.flag == "C2PA manifest unreadable":
        return f"present but unreadable ({entry.details.get('error', 'damaged')})"
    return f"signature NOT valid ({entry.details.get('validation codes', 'failed')})"
