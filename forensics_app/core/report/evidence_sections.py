"""The integrity account of the report: how every evidence file was checked, and the case
file's own re-check.

Every file was opened read-only and hashed at intake, and is hashed again for the report;
the case file is re-checked against its seal, its audit chain and the results recomputed
from its stored fingerprints.  What holds for every file is said once here, at the head
of the exhibits section; each file's own hashes are in its row.
"""

from __future__ import annotations

from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import markup, para, paragraph_styles, red


def integrity_notes(facts: Facts) -> list:
    """How every file's integrity was checked, the case file's own re-check (each
    disagreement in red), and which files changed since intake; each file's hashes are in
    its row of the exhibits section."""
    styles = paragraph_styles()
    flagged = [f for f in facts.files.values() if f.flagged]
    story = [
        para("Every evidence file was opened read-only: it was read into memory and never written, moved or renamed. "
             "Its SHA-256 and MD5 were computed at intake from the very bytes that were analysed, and computed again when "
             "this report was written, by reading the file once more at its original path.", styles.body),
    ]
    story += _case_check_paragraphs(facts)
    if flagged:
        story.append(para(red(f"Warning: {len(flagged)} evidence file(s) changed or went missing since intake: ")
                          + markup(", ".join(f"{f.exhibit} ({f.status})" for f in flagged))
                          + ". Their results describe the file as it was at intake.", styles.warning))
    else:
        story.append(para("All evidence files still held the same bytes when this report was written.", styles.body))
    return story


def _case_check_paragraphs(facts: Facts) -> list:
    """The re-check of the case file itself: every disagreement in red, or what agreed."""
    styles, result = paragraph_styles(), facts.case_check
    if not result.problems:
        text = ("The case file was re-checked: its seal and audit chain hold, and " + result.summary() + ".")
        return [para(markup(text), styles.body)]
    story = [para(red(f"Warning: the case file does not agree with itself ({len(result.problems)} finding(s)). "
                      "It may have been edited outside the program. The results in this report are recomputed from "
                      "the stored fingerprints wherever possible; the findings are:"), styles.warning)]
    story += [para(red(f"- {problem}"), styles.warning) for problem in result.problems[:40]]
    if len(result.problems) > 40:
        story.append(para(red(f"... and {len(result.problems) - 40} more"), styles.warning))
    return story
