"""Section 8 of the report, its last: the case's audit log, one line per entry.

The log is printed as saved, every hash whole; a small type and columns fitted to a
timestamp, a short action name and a SHA-256 keep each entry on one line, so a case of
forty exhibits logs onto a page instead of two.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle

from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import WIDTH, Cell, markup, para, paragraph_styles, ruled_table

#: Columns: time (a 20-character UTC stamp), action, SHA-256 (64 digits), detail.
COLUMNS = (72.0, 40.0, 224.0, WIDTH - 336.0)


def audit_section(facts: Facts) -> list:
    styles = paragraph_styles()
    small = ParagraphStyle("audit", parent=styles.cell, fontSize=6.0, leading=7.2)
    digits = ParagraphStyle("audit-hash", parent=styles.hash, fontSize=5.6, leading=7.2)
    rows: list[list[Cell]] = [["Time (UTC)", "Action", "File SHA-256", "Detail"]]
    for entry in facts.case.audit:
        rows.append([para(markup(entry.time), digits), para(markup(entry.action), small),
                     para(markup(entry.sha256 or "-"), digits), para(markup(entry.detail), small)])
    return [
        para("8. Audit log", styles.h1),
        para("The case's append-only log, as saved: every action with its time and the hash of the file it concerned. "
             "The entry that records this report and its SHA-256 is added once the file is written, so it appears in the "
             "case, not here.", styles.body),
        ruled_table(rows, COLUMNS, extra=[("TOPPADDING", (0, 1), (-1, -1), 1), ("BOTTOMPADDING", (0, 1), (-1, -1), 1.5)]),
    ]
