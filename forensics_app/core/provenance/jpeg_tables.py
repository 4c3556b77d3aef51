"""What a JPEG's encoding says about the software that wrote it.

The quantisation tables are the best trace: libjpeg (and Pillow, OpenCV, most web tools
and generator front-ends built on them) scales the two tables of the JPEG standard's
Annex K by one quality number, so a file whose tables are exactly such a scaling was
written by that family of libraries at that quality.  Cameras and some editors write
tables of their own; their quality is then only estimated, as the scaling closest to the
luminance table.  No database of camera tables ships with this program, so a custom
table set is described as such and never matched to a camera model.
"""

from __future__ import annotations

from forensics_app.core.file_layout import JpegLayout
from forensics_app.core.provenance.entry import ProvenanceEntry

# Annex K tables, natural (row-major) order.
_LUMINANCE = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]
_CHROMINANCE = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32
# Zigzag position -> natural index: the order tables are stored in the file.
_ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
    21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
    61, 54, 47, 55, 62, 63,
]
_PROCESS = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive", 0xC3: "lossless",
            0xC9: "arithmetic-coded sequential", 0xCA: "arithmetic-coded progressive"}


def scaled(base: list[int], quality: int) -> list[int]:
    """libjpeg's `jpeg_quality_scaling`: the Annex K table at this quality, in zigzag order."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    natural = [min(255, max(1, (value * scale + 50) // 100)) for value in base]
    return [natural[i] for i in _ZIGZAG]


def estimate_quality(tables: dict[int, list[int]]) -> tuple[int | None, bool]:
    """(quality, exact): exact when every table is libjpeg's scaling at that quality."""
    luminance = tables.get(0)
    if not luminance:
        return None, False
    for quality in range(1, 101):
        if luminance == scaled(_LUMINANCE, quality) and (1 not in tables or tables[1] == scaled(_CHROMINANCE, quality)):
            return quality, True
    errors = {q: sum(abs(a - b) for a, b in zip(luminance, scaled(_LUMINANCE, q))) for q in range(1, 101)}
    return min(errors, key=errors.__getitem__), False


def subsampling(layout: JpegLayout) -> str:
    """The chroma subsampling in J:a:b notation, or 'greyscale' for one component."""
    components = layout.frame.components if layout.frame else []
    if len(components) == 1:
        return "greyscale"
    if len(components) < 3:
        return "unknown"
    (_, yh, yv, _), (_, ch, cv, _) = components[0], components[1]
    if ch == 0 or cv == 0:
        return "unknown"
    ratio = (yh // ch if yh % ch == 0 else 0, yv // cv if yv % cv == 0 else 0)
    return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}.get(
        ratio, f"{yh}x{yv}/{ch}x{cv}")


def jpeg_entry(layout: JpegLayout) -> ProvenanceEntry:
    """The encoding in one sentence: tables and quality, subsampling, coding process."""
    quality, exact = estimate_quality(layout.tables)
    process = _PROCESS.get(layout.frame.marker, f"SOF{layout.frame.marker - 0xC0}") if layout.frame else "unknown"
    chroma = subsampling(layout)
    if quality is None:
        tables = "no quantisation table was found"
    elif exact:
        tables = (f"its quantisation tables are the standard libjpeg tables at quality {quality} "
                  "(written by libjpeg or software built on it: Pillow, OpenCV, most web tools and generators)")
    else:
        tables = (f"its quantisation tables are not the standard libjpeg set (custom tables, as cameras and some "
                  f"editors write); estimated quality about {quality}; no camera table database is consulted")
    says = f"JPEG, {process}, chroma subsampling {chroma}; {tables}."
    details = {"coding": process, "chroma subsampling": chroma,
               "quality": "unknown" if quality is None else f"{quality} ({'exact libjpeg tables' if exact else 'estimated'})",
               "quantisation tables": str(len(layout.tables))}
    return ProvenanceEntry("jpeg", says, details=details)
