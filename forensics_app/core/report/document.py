"""The second of the report's two steps: lay the gathered facts out as a PDF.

The order is the reader's: the summary on page 1 (what was asked, what each exhibit
came to), the method with its known error rates, each exhibit in one row, the groups
and figures, the checks, the conclusions with their limitations, and the audit log.

Every page carries the case reference and "page X of Y"; the total is only known once the
document is built, so the pages are held back and numbered at the end.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import SimpleDocTemplate

from forensics_app import __version__
from forensics_app.core.report.conclusions_section import conclusions_section
from forensics_app.core.report.audit_section import audit_section
from forensics_app.core.report.exhibit_section import exhibit_section
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.finding_sections import checks_section, groups_section
from forensics_app.core.report.layout import GRID_GREY, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, fonts
from forensics_app.core.report.method_section import method_section
from forensics_app.core.report.summary_section import summary_section
from forensics_app.core.report.validation_section import validation_section


# Images and streams are written as binary, not ASCII85 text (a quarter smaller); every PDF
# reader since PDF 1.0 takes binary streams.
rl_config.useA85 = 0


@dataclass
class _PageDecor:
    """What every page carries besides its content; `pages` is filled in at the end."""

    header: str
    footer: str
    pages: int = 0


class _NumberedCanvas(pdf_canvas.Canvas):
    """Holds every page until the document ends, so each can say 'page X of Y'."""

    def __init__(self, *args, decor: _PageDecor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decor = decor
        self._held: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        self._decor.pages = total
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        sans, _ = fonts()
        self.saveState()
        self.setFont(sans, 7.5)
        self.setFillColor(colors.HexColor("#333333"))
        top = PAGE_HEIGHT - MARGIN + 12
        self.drawString(MARGIN, top, self._decor.header)
        self.drawRightString(PAGE_WIDTH - MARGIN, top, f"page {number} of {total}")
        self.setStrokeColor(GRID_GREY)
        self.setLineWidth(0.4)
        self.line(MARGIN, top - 4, PAGE_WIDTH - MARGIN, top - 4)
        self.setFont(sans, 6.5)
        self.drawString(MARGIN, MARGIN - 18, self._decor.footer)
        self.restoreState()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render(facts: Facts) -> tuple[bytes, int]:
    """Lay the facts out as a PDF; returns the bytes and the number of pages."""
    case = facts.case
    reference = case.reference or "without reference"
    decor = _PageDecor(
        header=f"Evidence report  |  case {_clip(reference, 70)}",
        footer=f"forensics-app {__version__}  |  case id {case.case_id}  |  written {facts.generated} UTC",
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 16, bottomMargin=MARGIN,
        title=f"Evidence report, case {reference}",
        author=case.examiner or case.organisation or "not stated",
        subject=case.question or "Attribution of images to the generative model that made them",
        creator=f"forensics-app {__version__}",
        keywords=["evidence report", "generated images", "model attribution", f"case {case.case_id}"],
    )
    story = (summary_section(facts) + method_section(facts) + validation_section(facts) + exhibit_section(facts)
             + groups_section(facts) + checks_section(facts) + conclusions_section(facts) + audit_section(facts))
    document.build(story, canvasmaker=partial(_NumberedCanvas, decor=decor))
    return buffer.getvalue(), decor.pages

