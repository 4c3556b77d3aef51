"""The report's typography: page geometry, fonts, paragraph styles, and the cells and tables
every section is built from.

Anything that reaches the page as text goes through :func:`markup`, so names, EXIF fields
and file paths, which the analyst does not control, can never break the paragraph markup,
never reorder themselves (bidirectional controls are printed as escapes, ``\\u202e``), and
print in any script: characters the main font lacks (Chinese, Japanese, Korean) are set in
the bundled fallback font (``resources/fonts``), embedded like the main one.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Image, Paragraph, Table, TableStyle

from forensics_app.core.display_text import one_line
from forensics_app.core.report.checks import FAILED, NOT_RUN, RAN

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 40.0
WIDTH = PAGE_WIDTH - 2 * MARGIN
WARNING_RED = colors.HexColor("#b00020")
HEADER_FILL = colors.HexColor("#e4e9f0")
GRID_GREY = colors.HexColor("#9aa3ad")
STATUS_FILLS = {RAN: colors.HexColor("#e3f1e3"), NOT_RUN: colors.HexColor("#eeeeee"), FAILED: colors.HexColor("#f7d9dc")}


#: The face set for characters the main font has no glyph for.
FALLBACK_FONT = "ReportFallback"


@lru_cache(maxsize=1)
def _coverage() -> tuple[frozenset[int], frozenset[int]]:
    """(code points of the main font, code points of the fallback font); empty when not loaded."""
    sans, _ = fonts()
    main = frozenset(pdfmetrics.getFont(sans).face.charToGlyph) if sans != "Helvetica" else frozenset(range(256))
    try:
        fallback = frozenset(pdfmetrics.getFont(FALLBACK_FONT).face.charToGlyph)
    except KeyError:
        fallback = frozenset()
    return main, fallback


def _register_fallback() -> None:
    from forensics_app.paths import resources_dir

    try:
        pdfmetrics.registerFont(TTFont(FALLBACK_FONT, str(resources_dir() / "fonts" / "DroidSansFallback.ttf")))
    except (OSError, TTFError):
        pass  # without it, such characters print as the main font's empty box, as before


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(text font, monospace font).  DejaVu, shipped with matplotlib, is embedded so that
    names and EXIF text in any Latin, Greek or Cyrillic script print as written; the PDF
    core fonts (Latin-1 only) are the fallback."""
    from matplotlib import get_data_path

    folder = Path(get_data_path()) / "fonts" / "ttf"
    faces = {"ReportSans": "DejaVuSans.ttf", "ReportSans-Bold": "DejaVuSans-Bold.ttf",
             "ReportSans-Oblique": "DejaVuSans-Oblique.ttf", "ReportSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
             "ReportMono": "DejaVuSansMono.ttf"}
    _register_fallback()
    try:
        for name, filename in faces.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    except (OSError, TTFError):
        return "Helvetica", "Courier"
    pdfmetrics.registerFontFamily("ReportSans", normal="ReportSans", bold="ReportSans-Bold",
                                  italic="ReportSans-Oblique", boldItalic="ReportSans-BoldOblique")
    return "ReportSans", "ReportMono"


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    hash: ParagraphStyle
    label: ParagraphStyle
    caption: ParagraphStyle
    warning: ParagraphStyle


@lru_cache(maxsize=1)
def paragraph_styles() -> Styles:
    sans, mono = fonts()
    body = ParagraphStyle("body", fontName=sans, fontSize=8.6, leading=11.4, spaceAfter=4)
    cell = ParagraphStyle("cell", fontName=sans, fontSize=7.3, leading=9.0)
    return Styles(
        body=body,
        title=ParagraphStyle("title", parent=body, fontName=f"{sans}-Bold", fontSize=15, leading=19, spaceAfter=8),
        h1=ParagraphStyle("h1", parent=body, fontName=f"{sans}-Bold", fontSize=12.5, leading=16, spaceBefore=10,
                          spaceAfter=5, textColor=colors.HexColor("#1f3b5a"), keepWithNext=1),
        h2=ParagraphStyle("h2", parent=body, fontName=f"{sans}-Bold", fontSize=9.6, leading=13, spaceBefore=6,
                          spaceAfter=3, keepWithNext=1),
        cell=cell,
        head=ParagraphStyle("head", parent=cell),
        # 64 hex digits at 6.2 pt of a 0.6 em monospace font take 239 pt; the hash column is
        # wider than that, so a hash is never broken across lines (and stays searchable).
        hash=ParagraphStyle("hash", parent=cell, fontName=mono, fontSize=6.2, leading=7.6, splitLongWords=0),
        label=ParagraphStyle("label", parent=cell, fontSize=6.2, leading=7.4, textColor=colors.HexColor("#555555")),
        caption=ParagraphStyle("caption", parent=body, fontSize=7.4, leading=9.4, spaceBefore=2, spaceAfter=10,
                               textColor=colors.HexColor("#333333")),
        warning=ParagraphStyle("warning", parent=body, textColor=WARNING_RED),
    )


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup(value: object) -> str:
    """Any value as safe paragraph markup: control characters dropped, format characters
    (bidirectional overrides, zero-width joiners) shown as escapes, XML escaped, and runs
    the main font cannot draw set in the fallback font."""
    text = _CONTROL.sub("", str(value))
    if any(unicodedata.category(ch) in ("Cf", "Zl", "Zp") for ch in text):
        text = "\n".join(one_line(line) for line in text.split("\n"))
    return _with_fallback(escape(text)).replace("\n", "<br/>")


def _with_fallback(text: str) -> str:
    """Escaped text with each run of characters only the fallback font has wrapped in its face."""
    if text.isascii():
        return text
    main, fallback = _coverage()
    parts, run = [], []
    for ch in text:
        needs = ord(ch) not in main and ord(ch) in fallback
        if needs:
            run.append(ch)
            continue
        if run:
            parts.append(f'<font name="{FALLBACK_FONT}">{"".join(run)}</font>')
            run = []
        parts.append(ch)
    if run:
        parts.append(f'<font name="{FALLBACK_FONT}">{"".join(run)}</font>')
    return "".join(parts)


#: Longest single text (a path, a metadata line) printed in a cell; the rest is elided with
#: a note, and the whole text stays in the case file.
MAX_CELL_CHARS = 600


def clipped(value: object, limit: int = MAX_CELL_CHARS) -> str:
    """Markup of a text cut in its middle past ``limit`` characters, saying how long it was.

    The middle goes, so a path keeps its start and its file name, and a sentence its end.
    """
    text = str(value)
    if len(text) <= limit:
        return markup(text)
    half = limit // 2
    return (f"{markup(text[:half])} <i>[... {len(text) - 2 * half:,} of {len(text):,} characters left out here; "
            f"the whole text is in the case file ...]</i> {markup(text[-half:])}")


def para(content: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of markup, in the table-cell style unless another is given."""
    return Paragraph(content, style or paragraph_styles().cell)


def bold(value: object) -> str:
    return f"<b>{markup(value)}</b>"


def red(value: object) -> str:
    return f'<font color="#b00020"><b>{markup(value)}</b></font>'


def stated(value: object, placeholder: str = "not stated") -> str:
    """The value, or a visible placeholder, so an empty field never looks like an answer."""
    return markup(value) if value not in (None, "") else f"<i>{placeholder}</i>"


Cell = Paragraph | list | str


def ruled_table(rows: list[list[Cell]], widths: Sequence[float], header: bool = True, extra: Sequence[tuple] = ()) -> Table:
    """A ruled table whose cells wrap (markup strings become paragraphs) and whose header
    row, given as plain words, is bold and repeats on every page the table spans."""
    styles = paragraph_styles()
    body = [[para(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
    if header and body:
        body[0] = [para(f"<b>{markup(cell)}</b>", styles.head) if isinstance(cell, str) else cell for cell in rows[0]]
    table = Table(body, colWidths=list(widths), repeatRows=1 if header else 0, splitInRow=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.25, GRID_GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL))
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def field_table(pairs: Sequence[tuple[str, Cell]], key_width: float = 130) -> Table:
    """Two columns, name and value: the layout for a record's fields."""
    rows = [[para(bold(key)), value] for key, value in pairs]
    return ruled_table(rows, [key_width, WIDTH - key_width], header=False,
                       extra=[("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f5f8"))])


def byte_size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n:,} bytes" if n < 10_000 else f"{n:,} bytes ({n / 1_048_576:.2f} MiB)"


def scaled_image(png: bytes, width: float) -> Image:
    """A PNG scaled to `width`, keeping its aspect ratio."""
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image
