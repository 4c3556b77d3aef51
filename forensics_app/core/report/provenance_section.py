"""The report's account of what each file declares about its origin: one table row per exhibit.

Provenance stands beside the fingerprint and never enters its likelihood ratio, so it has
its own part of the report, worded as claims: a validated C2PA signature binds a claim to
the exact bytes, while EXIF, XMP and PNG text can be written by anyone.  One row per
exhibit keeps forty images to a page or two; each row gives the declaration, the C2PA
outcome and any structural finding (a renamed file, data after the image's end).
"""

from __future__ import annotations

from forensics_app.core.case import CaseItem
from forensics_app.core.provenance import ProvenanceEntry, declaration, entries_from_dicts
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import WIDTH, Cell, bold, markup, para, paragraph_styles, red, ruled_table


def provenance_section(facts: Facts) -> list:
    """Heading, how to read it, and the table; items without stored provenance say why."""
    styles = paragraph_styles()
    rows: list[list[Cell]] = [["Exhibit", "What the file declares", "Content Credentials (C2PA)", "File structure"]]
    declaring = signed = flagged = 0
    for item in facts.case.items:
        entries = entries_from_dicts((item.evidence or {}).get("provenance"))
        declaring += any(e.generator for e in entries)
        signed += any(e.kind == "c2pa" and e.valid is not None for e in entries)
        flagged += any(e.flag for e in entries)
        rows.append([bold(item.exhibit), para(_declared(item, entries)), para(_c2pa(entries)),
                     para(_structure(entries))])
    return [
        para("4b. Provenance: what the files declare", styles.h2),
        para(f"{declaring} of {len(facts.case.items)} file(s) name a generator in their own data, {signed} carry "
             f"C2PA Content Credentials, and {flagged} show a structural or validation finding. These are "
             "<b>claims made by the files</b>, read when they were taken in: only a C2PA claim whose signature "
             "validates is cryptographically bound to the file's bytes (and names its signer only as far as the "
             "signer's certificate is trusted); EXIF, XMP and PNG text can be written or removed by anyone. "
             "They are reported beside the fingerprint and <b>never enter its likelihood ratio</b>.", styles.body),
        ruled_table(rows, [42, 190, 150, WIDTH - 382]),
    ]


def _declared(item: CaseItem, entries: list[ProvenanceEntry]) -> str:
    if not item.evidence:
        return "<i>not read: the file was rejected at intake</i>"
    if not entries:
        return "<i>not read: the case was made before provenance was read at intake</i>"
    named = [e for e in entries if e.generator and e.kind != "c2pa"]
    text = markup(declaration(entries).split("; ")[0])
    if named:
        text += "<br/>" + "<br/>".join(f"<b>{markup(e.kind)}:</b> {markup(_cut(e.says, 220))}" for e in named)
    return text


def _c2pa(entries: list[ProvenanceEntry]) -> str:
    entry = next((e for e in entries if e.kind == "c2pa"), None)
    if entry is None:
        return "<i>not read</i>"
    if entry.valid is None:
        return markup(_cut(entry.says.split(".")[0], 90))
    if entry.valid:
        return markup(_cut(entry.says, 360))
    return red(_cut(entry.says, 360))


def _structure(entries: list[ProvenanceEntry]) -> str:
    flags = [e for e in entries if e.flag and e.kind != "c2pa"]
    if flags:
        return "<br/>".join(red(e.flag) for e in flags)
    jpeg = next((e for e in entries if e.kind == "jpeg"), None)
    return markup(jpeg.details.get("quality", "")) if jpeg else "no finding"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
