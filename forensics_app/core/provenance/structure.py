"""What the file's structure says: its real format against its name, its end, its size.

A name is chosen by whoever saved the file, the signature bytes by the software that wrote
it; when they disagree the file was renamed or converted, which an analyst must know
before reading anything else.  Bytes after the image's end (another picture, an archive,
a payload) are reported with their size.  The native size is compared, where the library
records them, with the sizes of each enrolled generator's references.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from forensics_app.core.provenance.entry import ProvenanceEntry

# Signature bytes -> (format name, extensions that name it).
_FORMATS: list[tuple[str, tuple[str, ...]]] = [
    ("JPEG", (".jpg", ".jpeg", ".jpe", ".jfif")),
    ("PNG", (".png",)),
    ("GIF", (".gif",)),
    ("WebP", (".webp",)),
    ("BMP", (".bmp", ".dib")),
    ("TIFF", (".tif", ".tiff", ".dng")),
    ("HEIF", (".heic", ".heif")),
    ("AVIF", (".avif",)),
    ("JPEG XL", (".jxl",)),
    ("JPEG 2000", (".jp2", ".j2k", ".jpf")),
]


def sniff(data: bytes) -> str | None:
    """The format the file's first bytes declare, or None when they declare none known."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIF"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "JPEG XL"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "JPEG 2000"
    return None


def format_entry(path: str | Path, data: bytes) -> ProvenanceEntry:
    """Real format against extension, as one sentence; a mismatch is flagged."""
    real = sniff(data)
    suffix = Path(path).suffix.lower()
    named = next((name for name, suffixes in _FORMATS if suffix in suffixes), None)
    details = {"format (from the bytes)": real or "unknown", "extension": suffix or "(none)"}
    if real is None:
        return ProvenanceEntry("file-format", "The first bytes match no image format this program knows.",
                               flag="unknown format", details=details)
    if named == real:
        return ProvenanceEntry("file-format", f"{real} file, as its extension {suffix} says.", details=details)
    if named is None:
        return ProvenanceEntry("file-format", f"{real} file; its extension {suffix or '(none)'} names no image format.",
                               details=details)
    return ProvenanceEntry(
        "file-format",
        f"{real} file named {suffix}, which says {named}: the file was renamed or mislabelled after it was "
        f"written (the bytes, not the name, say what wrote it).",
        flag=f"{real} saved as {suffix}", details=details)


def trailing_entry(format_name: str, data: bytes, end: int | None, problems: list[str]) -> ProvenanceEntry:
    """Where the image ends and what follows it: nothing, another image, or unknown bytes."""
    kind = "file-end"
    if end is None:
        reason = problems[-1] if problems else "its end marker was never reached"
        return ProvenanceEntry(kind, f"The {format_name} structure is incomplete: {reason}.",
                               flag="structure damaged", details={"problems": "; ".join(problems)})
    extra = len(data) - end
    details = {"image ends at byte": f"{end:,}", "bytes after the end": f"{extra:,}"}
    if problems:
        details["problems"] = "; ".join(problems)
    if extra <= 0:
        return ProvenanceEntry(kind, f"Nothing follows the {format_name} image's end marker.", details=details)
    tail = data[end:]
    if tail.strip(b"\x00") == b"":
        return ProvenanceEntry(kind, f"{extra:,} zero bytes follow the image's end (padding, as some writers add).",
                               details=details)
    what = "a second JPEG image (for example an embedded preview or depth map)" if b"\xff\xd8\xff" in tail[:64] else (
        "a ZIP archive" if tail.startswith(b"PK\x03\x04") else "data of unknown kind")
    return ProvenanceEntry(kind, f"{extra:,} bytes follow the {format_name} image's end marker: {what}. "
                                 "Image viewers ignore them; they may hide a payload or come from an editor.",
                           flag="data after the image end", details=details)


def size_entry(width: int, height: int,
               reference_sizes: Mapping[str, Collection[tuple[int, int]]] | None) -> ProvenanceEntry:
    """The native size, and which enrolled generators' references share it (when known)."""
    details = {"native size": f"{width} x {height}"}
    if reference_sizes is None:
        return ProvenanceEntry("size", f"Native size {width} x {height} pixels; not compared with enrolled "
                                       "generators (their reference sizes are not recorded).", details=details)
    sharing = sorted(name for name, sizes in reference_sizes.items() if (width, height) in set(sizes))
    if not sharing:
        return ProvenanceEntry("size", f"Native size {width} x {height} pixels, a size seen among no enrolled "
                                       "generator's references.", details=details)
    details["generators with references of this size"] = ", ".join(sharing)
    return ProvenanceEntry("size", f"Native size {width} x {height} pixels, as among the references of "
                                   f"{', '.join(sharing)} (a size is shared by many generators: weak evidence).",
                           details=details)
