"""The report's provenance part for forty exhibits: how to read the claims said once, then a few
lines in each exhibit's row."""

from __future__ import annotations

import io
from types import SimpleNamespace

from PIL import Image, PngImagePlugin
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from forensics_app.testing.evidence_records import evidence_record
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
        case.items.append(CaseItem(exhibit=f"E{number + 1:04d}", path=str(path), evidence=evidence_record(path),
                                   provenance=provenance_record(path, None)))
    case.items.append(CaseItem(exhibit="E0041", path="gone.png", error="no such file"))
    buffer = io.BytesIO()
    story = provenance_note(SimpleNamespace(case=case)) + [para(provenance_text(item)) for item in case.items]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    pages = PdfReader(io.BytesIO(buffer.getvalue())).pages
    text = " ".join(page.extract_text() for page in pages)
    assert len(pages) <= 6 and text.count("never enter its likelihood ratio") == 1
    assert "20 of 41 file(s) name a generator" in " ".join(text.split())
    assert "PNG saved as .jpg" in text and "rejected at intake" in text


def _attributed(path, ranking, named=None):
    from forensics_app.core.case import RankedMatch, StoredAttribution
    from forensics_app.core.decision.attribution import UNKNOWN

    matches = tuple(RankedMatch(g, 0.9 - i / 10, 3.0 / (i + 1)) for i, g in enumerate(ranking))
    return CaseItem(exhibit="E0001", path=str(path), evidence=evidence_record(path),
                    provenance=provenance_record(path, None),
                    attribution=StoredAttribution(named or UNKNOWN, 100.0, matches))


def test_a_declaration_the_ranking_contradicts_is_flagged_in_table_evidence_tab_and_report(tmp_path):
    from forensics_app.core.report.decision import read_decision
    from forensics_app.core.report.provenance_section import against_fingerprint
    from forensics_app.gui.provenance_text import declares_text, provenance_rows
    from forensics_app.testing.c2pa_signing import opened_copy, signed_jpeg

    made = tmp_path / "made.jpg"
    signed_jpeg(made, agent="DALL\u00b7E")
    exported = opened_copy(made, tmp_path / "exported.jpg", tool="ChatGPT")
    item = _attributed(exported, ["Midjourney v6", "DALL-E 3", "Stable Diffusion XL"])
    # nothing was named: the declaration differs from a ranking, which is not a finding
    assert declares_text(item).startswith("DIFFERS from the fingerprint's ranking: declares: AI-generated, made with "
                                          "DALL\u00b7E")
    named = _attributed(exported, ["Midjourney v6", "DALL-E 3"], named="Midjourney v6")
    assert declares_text(named).startswith("CONTRADICTS the fingerprint: declares: AI-generated")
    rows = dict(provenance_rows(item))
    assert "enrolled as \u201cDALL-E 3\u201d, but the fingerprint ranks \u201cMidjourney v6\u201d first (not named" \
        in rows["Declaration and fingerprint (!)"]
    text = provenance_text(item, read_decision(item))
    assert "Against the fingerprint:" in text and "#b00020" in text  # in red in the exhibit's row
    agreeing = _attributed(exported, ["DALL-E 3", "Midjourney v6"])
    check = against_fingerprint(agreeing, read_decision(agreeing))
    assert not check.contradicts and "agrees by name" in check.text
    assert not declares_text(agreeing).startswith(("CONTRADICTS", "DIFFERS"))
    not_enrolled = against_fingerprint(item := _attributed(exported, ["Midjourney v6"]), read_decision(item))
    assert not not_enrolled.contradicts and "neither confirm nor contradict" in not_enrolled.text


def test_a_declared_camera_capture_contradicts_a_named_generator():
    from forensics_app.core.provenance import ProvenanceEntry, check_declaration

    camera = [ProvenanceEntry("xmp", "XMP declares ...", source_type="digitalCapture")]
    assert check_declaration(camera, ["Midjourney v6"], "Midjourney v6").contradicts
    assert not check_declaration(camera, ["Midjourney v6"], None).contradicts  # nothing named: nothing contradicted
    assert check_declaration(camera, [], None).text == ""  # not attributed: nothing to set against


def test_makers_match_by_a_distinctive_part_of_their_names():
    from forensics_app.core.provenance.agreement import same_maker

    assert same_maker("DALL\u00b7E", "aibingo-dalle") and same_maker("DALL-E 3", "dalle")
    assert same_maker("Midjourney v6.1", "aibingo-midjourney") and same_maker("Stable Diffusion XL", "SD stable-diffusion")
    assert not same_maker("ChatGPT", "aibingo-dalle") and not same_maker("AI v2", "AI v3 faces")
