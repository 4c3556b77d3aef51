"""What a case item's file declares, as the window shows it: a table cell and Evidence-tab rows.

The words come from :mod:`forensics_app.core.provenance`, stored at intake, so the
window, the command line and the report say the same thing.  Kept apart from the
fingerprint columns: a declaration never changes the match, the LR or the decision.
"""

from __future__ import annotations

from forensics_app.core.case import CaseItem
from forensics_app.core.provenance import DeclarationCheck, declaration
from forensics_app.core.report import against_fingerprint, read_decision

HEADER_TIP = ("What the file itself declares about its maker (C2PA, PNG text, EXIF, XMP) and structural findings. "
              "A claim, not proof; it never enters the fingerprint's likelihood ratio")


def declares_text(item: CaseItem) -> str:
    """The one-line declaration for the table; empty for a rejected file or an older case.

    A declaration the fingerprint's ranking contradicts says so at the front of the cell,
    where a glance down the column finds it.
    """
    entries = list(item.provenance or ())
    if not entries:
        return ""
    text = declaration(entries)
    flag = declaration_check(item).flag
    return f"{flag}: {text}" if flag else text


def declaration_check(item: CaseItem) -> DeclarationCheck:
    """The item's declaration set against its stored ranking (empty where either is missing)."""
    return against_fingerprint(item, read_decision(item))


def provenance_rows(item: CaseItem) -> list[tuple[str, str]]:
    """(label, sentence) rows for the Evidence tab, the declaration first."""
    entries = list(item.provenance or ())
    if not item.evidence:
        return []
    if not entries:
        return [("Provenance", "not read (the case was made before provenance was read at intake)")]
    rows = [("Declares", declaration(entries))]
    check = declaration_check(item)
    if check.text:
        rows.append(("Declaration and fingerprint" + (" (!)" if check.contradicts else ""), check.text))
    rows += [(f"Provenance {e.kind}" + (" (!)" if e.flag else ""), e.says) for e in entries]
    return rows
