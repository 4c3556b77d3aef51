"""The two pictures of each exhibit as the page draws them: a thumbnail (or a placeholder
saying why there is none) and the spectrum with its axes and colour bar.

The spectrum's axes, ticks and colour bar are drawn as vector lines and text, so they stay
sharp at any zoom and cost nothing to make; only the spectrum itself is a bitmap.  Units
are the window's: spatial frequency in cycles / pixel, values in standardised log |DFT|.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Table, TableStyle

from forensics_app.core.report.figures import SpectrumImage, palette_png
from forensics_app.core.report.layout import GRID_GREY, fonts, markup, para, paragraph_styles

#: Frequencies labelled on both axes, in cycles / pixel.
TICKS = ((-0.5, "-.5"), (0.0, "0"), (0.5, ".5"))


def thumbnail(jpeg: bytes | None, size: float, why: str) -> Flowable:
    """The exhibit's thumbnail fitted into a `size` square, or a framed placeholder saying why."""
    if jpeg is None:
        return placeholder(why, size)
    image = Image(io.BytesIO(jpeg))
    scale = size / max(image.imageWidth, image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def placeholder(why: str, size: float) -> Table:
    """A grey-framed square in place of a picture, with the reason in small italics."""
    style = paragraph_styles().label
    box = Table([[para(f"<i>{markup(why)}</i>", style)]], colWidths=[size], rowHeights=[size])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, GRID_GREY), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return box


@lru_cache(maxsize=1)
def _colour_bar() -> ImageReader:
    """The palette's 256 colours, lightest at the top."""
    return ImageReader(io.BytesIO(palette_png(np.arange(255, -1, -1, dtype=np.uint8).reshape(256, 1))))


class SpectrumFlowable(Flowable):
    """A spectrum `side` points square with its frequency axes and a labelled colour bar."""

    LEFT, BOTTOM, BAR = 15.0, 13.0, 26.0  # room for the y labels, the x labels, the colour bar

    def __init__(self, spectrum: SpectrumImage, side: float = 62.0) -> None:
        super().__init__()
        self.spectrum, self.side = spectrum, side
        self.width, self.height = self.LEFT + side + self.BAR, self.BOTTOM + side + 2.5

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas, side, sans = self.canv, self.side, fonts()[0]
        x0, y0 = self.LEFT, self.BOTTOM
        canvas.saveState()
        canvas.drawImage(ImageReader(io.BytesIO(self.spectrum.png)), x0, y0, side, side)
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.4)
        canvas.rect(x0, y0, side, side)
        canvas.setFont(sans, 4.6)
        for value, label in TICKS:
            at = (value + 0.5) * side
            canvas.line(x0 + at, y0, x0 + at, y0 - 2)
            canvas.drawCentredString(x0 + at, y0 - 7, label)
            canvas.line(x0, y0 + at, x0 - 2, y0 + at)
            canvas.drawRightString(x0 - 3, y0 + at - 1.6, label)
        canvas.setFont(sans, 5.2)
        canvas.drawCentredString(x0 + side / 2, 1.0, "cycles / pixel")
        canvas.saveState()
        canvas.translate(4.0, y0 + side / 2)
        canvas.rotate(90)
        canvas.drawCentredString(0, 0, "cycles / pixel")
        canvas.restoreState()
        self._draw_bar(x0 + side + 4, y0, side, sans)
        canvas.restoreState()

    def _draw_bar(self, x: float, y: float, height: float, sans: str) -> None:
        canvas, low, high = self.canv, self.spectrum.low, self.spectrum.high
        canvas.drawImage(_colour_bar(), x, y, 4, height)
        canvas.rect(x, y, 4, height)
        canvas.setFont(sans, 4.6)
        for fraction in (0.0, 0.5, 1.0):
            at = y + fraction * height
            canvas.line(x + 4, at, x + 6, at)
            canvas.drawString(x + 7, at - 1.6, f"{low + fraction * (high - low):.1f}")
        canvas.setFont(sans, 5.2)
        canvas.saveState()
        canvas.translate(x + 24, y + height / 2)
        canvas.rotate(90)
        canvas.drawCentredString(0, 0, "std. log |DFT|")
        canvas.restoreState()
