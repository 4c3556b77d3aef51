"""The report's provenance part for forty exhibits: how to read the claims said once, then a few
lines in each exhibit's row."""

from __future__ import annotations

import io
from types import SimpleNamespace

from PIL import Image, PngImagePlugin
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from forensics_app.core.case import Case, CaseItem
from forensics_app.core.report.layout import para
from forensics_app.core.report.provenance_section import provenance_note, provenance_text
from forensics_app.workflows.inspect import provenance_record


def test_forty_exhibits_are_read_once_and_declare_in_a_few_lines_each(tmp_path):
    case = Case(reference="P-40")
    for number in range(40):
        path = tmp_path / f"img{number:02d}.{'jpg' if number % 5 == 0 else 'png'}"
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", "a harbour\nSteps: 20, Sampler: Euler a, Seed: 1, Model: sd_xl_base_1.0")
        Image.new("RGB", (48, 48), (number, 80, 160)).save(path, "PNG", pnginfo=info if number % 2 else None)
        evidence = {"path": str(path), "sha256": None, "provenance": provenance_record(path, None)}
        case.items.append(CaseItem(exhibit=f"E{number + 1:04d}", path=str(path), evidence=evidence))
    case.items.append(CaseItem(exhibit="E0041", path="gone.png", error="no such file"))
    buffer = io.BytesIO()
    story = provenance_note(SimpleNamespace(case=case)) + [para(provenance_text(item)) for item in case.items]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    pages = PdfReader(io.BytesIO(buffer.getvalue())).pages
    text = " ".join(page.extract_text() for page in pages)
    assert len(pages) <= 6 and text.count("never enter its likelihood ratio") == 1
    assert "20 of 41 file(s) name a generator" in " ".join(text.split())
    assert "PNG saved as .jpg" in text and "rejected at intake" in text
