"""Section 4 of the report: every exhibit in one compact row.

What holds for every exhibit (how integrity was checked, how to read metadata and
declarations, what the spectrum shows and in which units, what a ranking is) is said
once, above the table; each row then holds only what belongs to its exhibit: thumbnail,
file, hashes at intake and at export, metadata, declarations, the stored ranking and
decision, and the residual spectrum with its axes.  One row per exhibit keeps forty
exhibits to about five pages, and a row never breaks across pages.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle

from forensics_app.core.case import CaseItem
from forensics_app.core.display_text import normal_form_note
from forensics_app.core.report.checks import UNCHANGED, FileCheck, evidence_path
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.evidence_sections import integrity_notes
from forensics_app.core.report.exhibit_text import metadata_line, picture_problem, ranking_lines
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.figures import SpectrumFigure
from forensics_app.core.report.layout import (
    WIDTH, Cell, bold, byte_size, clipped, fonts, markup, para, paragraph_styles, red, ruled_table,
)
from forensics_app.core.report.pictures import SpectrumFlowable, placeholder, thumbnail
from forensics_app.core.report.provenance_section import provenance_note, provenance_text

#: Column widths: exhibit and thumbnail, file and integrity, ranking and decision, spectrum.
COLUMNS = (58.0, 254.0, 100.0, WIDTH - 412.0)
THUMBNAIL = 50.0


def exhibit_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story = [para("4. The exhibits", styles.h1), para("Integrity of the evidence", styles.h2)]
    story += integrity_notes(facts)
    # a lead-in, not a heading: the note may then break across a page instead of leaving a gap
    story += [para("<b>How to read each row.</b> " + _reading_note(facts), styles.caption)]
    story += provenance_note(facts)
    rows: list[list[Cell]] = [["Exhibit", "File, hashes, metadata and declarations", "Decision and ranking",
                               "Residual spectrum"]]
    figures = {figure.exhibit: figure for figure in facts.figures}
    for item in facts.case.items:
        rows.append(_row(facts, item, figures.get(item.exhibit)))
    story.append(ruled_table(rows, COLUMNS))
    return story


def _reading_note(facts: Facts) -> str:
    config = facts.card.preprocess if facts.card_matches else None
    crops = f"{config.crops_per_image} crop(s) of {config.crop_size} px" if config else "the image's crops"
    return (
        "<b>Hashes</b>: SHA-256 and MD5 of the bytes analysed at intake, and whether the file read again for this "
        "report gave the same (a changed file shows its new hashes in red). <b>Metadata</b>: the EXIF fields a camera "
        "or an editor writes, and any text stored in the file; easy to remove or forge, so it can support but never "
        "replace the fingerprint. <b>The absence of C2PA data proves nothing</b>: most generators never write it, and "
        "most editors, messengers and platforms strip it; manifests were read and validated with the C2PA "
        "organisation's SDK, and one kept outside the file (a sidecar or a remote manifest) was not fetched. "
        "<b>Decision</b>: what the decision policy of section 2 decided when the case was "
        "analysed, with the likelihood ratio (LR) of the generator ranked first in ENFSI words (section 2); the "
        "<b>ranking</b> below it lists the most similar enrolled generators with cosine similarity and LR, and is not a "
        f"conclusion. <b>Spectrum</b>: log-magnitude of the Fourier transform of the noise residual, standardised as "
        f"the extractor's input is (so every image is on one level), averaged over {crops}, with zero frequency at "
        "the centre and both axes in cycles / pixel (as in the program's window); the colour bar gives the "
        "standardised log |DFT|, scaled per image from its 1st to its 99.7th percentile, lighter meaning stronger. "
        "Isolated bright points away from the centre can be periodic traces of a generator's upsampling; a bright "
        "cross along the axes appears in every image. The extractor compares such "
        "patterns, not the picture. <b>Thumbnail</b>: drawn from the file only while it still holds the bytes "
        "analysed; otherwise a frame says why there is none."
    )


def _row(facts: Facts, item: CaseItem, figure: SpectrumFigure | None) -> list[Cell]:
    styles = paragraph_styles()
    small = ParagraphStyle("exhibit", parent=styles.cell, fontSize=6.5, leading=7.9)
    smaller = ParagraphStyle("ranking", parent=small, fontSize=6.3, leading=7.6)
    check = facts.files[item.exhibit]
    picture = (thumbnail(figure.thumbnail, THUMBNAIL, "") if figure is not None and figure.thumbnail is not None
               else placeholder("no picture: " + picture_problem(facts, item), THUMBNAIL))
    first = [para(bold(item.exhibit)), picture]
    if figure is not None and figure.spectrum is not None:
        spectrum: Cell = SpectrumFlowable(figure.spectrum, side=50.0)
    else:
        spectrum = para(f"<i>not drawn: {markup(figure.problem if figure else picture_problem(facts, item))}</i>", small)
    return [first, para(_file_text(facts, item, check), small),
            para(_decision_text(item, facts.decisions.get(item.exhibit)), smaller), spectrum]


def _group(facts: Facts, item: CaseItem) -> str:
    """'; group 3 (with 4 other images)' for an image in a stored group of two or more (section 5),
    else nothing: a group of one joins the image to nothing."""
    labels = facts.analysis.labels
    if labels is None:
        return ""
    stored = [int(label) for label in labels.tolist()]
    label = next((label for it, label in zip(facts.analysis.items, stored) if it is item), -1)
    others = stored.count(label) - 1
    if label < 0 or others < 1:
        return ""
    return f"; <b>group {label}</b> (with {others} other image{'s' if others > 1 else ''})"


def _file_text(facts: Facts, item: CaseItem, check: FileCheck) -> str:
    path, evidence = Path(evidence_path(item)), item.evidence
    lines = [f"<b>{clipped(unicodedata.normalize('NFC', path.name), 200)}</b> in {clipped(path.parent)}"]
    if item.same_as:
        lines.append(f"<i>The same bytes (SHA-256) as {markup(item.same_as)}.</i>")
    if item.note:
        lines.append(f"<b>Analyst's note:</b> {clipped(item.note, 1_500)}")
    form = normal_form_note(path.name)
    if form:
        lines.append(f"<i>File name {markup(form)}: another file can show the same name.</i>")
    if evidence is None:
        lines.append(red("rejected at intake") + f": {markup(item.error or 'not taken in')}")
        if check.readable:
            lines.append(_hash("SHA-256", check.sha256) + " <font size=5.4 color='#555555'>(read now)</font>")
        return "<br/>".join(lines)
    lines.append(markup(f"{evidence.format}, {evidence.width} x {evidence.height} px, "
                        f"{evidence.mode}, {byte_size(evidence.size_bytes)}") + _group(facts, item))
    lines += [_hash("SHA-256", evidence.sha256), _hash("MD5", evidence.md5) + "  " + _export(check)]
    if check.status != UNCHANGED and check.readable:
        lines += [_hash("SHA-256", check.sha256, changed=True), _hash("MD5", check.md5, changed=True) + " "
                  + red("now")]
    lines += [metadata_line(item), provenance_text(item, facts.decisions.get(item.exhibit))]
    return "<br/>".join(line for line in lines if line)


def _hash(label: str, value: str | None, changed: bool = False) -> str:
    digits = markup(value or "-")
    text = f"<font size=5.4 color='#555555'>{markup(label)}</font> <font name='{fonts()[1]}' size=5.6>{digits}</font>"
    return f"<font color='#b00020'>{text}</font>" if changed else text


def _export(check: FileCheck) -> str:
    if check.status == UNCHANGED:
        return "<font size=5.6>identical at export</font>"
    return red(f"at export: {check.status}") + (f" ({markup(check.error)})" if check.error else "")


def _decision_text(item: CaseItem, decision: Decision | None) -> str:
    if item.error:
        return "<i>not analysed</i>"
    if item.embedding is None:
        return "<i>not fingerprinted</i>"
    return "<br/>".join(ranking_lines(decision))
