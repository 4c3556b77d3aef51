"""The report's account of what each file declares about its origin.

Provenance stands beside the fingerprint and never enters its likelihood ratio, so it is
worded as claims: a validated C2PA signature binds a claim to the exact bytes, while
EXIF, XMP and PNG text can be written by anyone.  How to read the claims is said once
(:func:`provenance_note`); each exhibit's row then gives its declaration, the C2PA
outcome and any structural finding (a renamed file, data after the image's end) through
:func:`provenance_text`, so forty exhibits add no page of their own.
"""

from __future__ import annotations

from forensics_app.core.case import CaseItem
from forensics_app.core.provenance import DeclarationCheck, ProvenanceEntry, check_declaration, declaration
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import markup, para, paragraph_styles, red


def provenance_note(facts: Facts) -> list:
    """How to read the declarations, with the case's counts; stated once for all exhibits."""
    styles = paragraph_styles()
    declaring = signed = flagged = 0
    for item in facts.case.items:
        entries = list(item.provenance or ())
        declaring += any(e.generator for e in entries)
        signed += any(e.kind == "c2pa" and e.valid is not None for e in entries)
        flagged += any(e.flag for e in entries)
    return [
        para(f"<b>Provenance.</b> {declaring} of {len(facts.case.items)} file(s) name a generator in their own data, "
             f"{signed} carry C2PA Content Credentials, and {flagged} show a structural or validation finding. These "
             "are <b>claims made by the files</b>, read when they were taken in: only a C2PA claim whose signature "
             "validates is cryptographically bound to the file's bytes (and names its signer only as far as the "
             "signer's certificate is trusted); EXIF, XMP and PNG text can be written or removed by anyone. "
             "They are reported beside the fingerprint and <b>never enter its likelihood ratio</b>.", styles.caption),
    ]


def against_fingerprint(item: CaseItem, decision: Decision | None) -> DeclarationCheck:
    """The exhibit's declaration set against the ranking the report states (recomputed where it was)."""
    if decision is None:
        return DeclarationCheck()
    entries = list(item.provenance or ())
    return check_declaration(entries, [r.generator for r in decision.matches],
                             decision.decision if decision.named else None)


def provenance_text(item: CaseItem, decision: Decision | None = None) -> str:
    """One exhibit's declaration, C2PA outcome and structural findings, as cell markup."""
    entries = list(item.provenance or ())
    lines = [f"<b>Provenance:</b> {_declared(item, entries)}"]
    check = against_fingerprint(item, decision)
    if check.text:
        words = markup(check.text[0].upper() + check.text[1:]) + "."
        lines.append("<b>Against the fingerprint:</b> " + (red(words) if check.contradicts else words))
    if any(e.kind == "c2pa" and e.valid is not None for e in entries):
        lines.append(f"<b>C2PA:</b> {_c2pa(entries)}")
    flags = [e for e in entries if e.flag and e.kind != "c2pa"]
    if flags:
        lines.append(f"<b>Structure:</b> {_structure(entries)}")
    elif (jpeg := next((e for e in entries if e.kind == "jpeg"), None)) is not None and jpeg.details.get("quality"):
        lines.append(f"<b>JPEG quality:</b> {markup(jpeg.details['quality'])}")
    return "<br/>".join(lines)


def _declared(item: CaseItem, entries: list[ProvenanceEntry]) -> str:
    if not item.evidence:
        return "<i>not read: the file was rejected at intake</i>"
    if not entries:
        return "<i>not read: the case was made before provenance was read at intake</i>"
    named = [e for e in entries if e.generator and e.kind != "c2pa"]
    text = markup(declaration(entries).split("; ")[0])
    if named:
        text += "<br/>" + "<br/>".join(f"<b>{markup(e.kind)}:</b> {markup(_cut(e.says, 160))}" for e in named)
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
