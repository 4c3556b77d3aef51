"""What the window says after an enrolment: how many references the generator has, and why.

The library keeps one reference per distinct file (by SHA-256), so ten images offered
may become eight references.  Said without the reason, "10 offered, 8 in all" looks like
two images were lost; said with it, the analyst learns the folder held copies.  The
counts come from the outcome itself, so the words cannot drift from what was stored.
"""

from __future__ import annotations

from forensics_app.core.library import MIN_REFERENCES_ADVISED
from forensics_app.workflows.enrol import EnrolOutcome

DUPLICATE_MARK = "byte-identical"  # the workflow's own sentence for merged copies, replaced by ours


def merged_text(outcome: EnrolOutcome, adding: bool) -> str:
    """The sentence on merged duplicates; empty when every image offered became a reference."""
    merged = outcome.offered - outcome.added
    if merged <= 0:
        return ""
    against = "references already held or one another" if adding else "another image offered"
    return (f"{merged} of the {outcome.offered} image(s) offered were byte-identical copies of {against} "
            f"(same SHA-256) and were merged: each distinct image counts once.")


def enrol_summary(outcome: EnrolOutcome, adding: bool | None = None) -> list[str]:
    """The lines of the enrolment message: the count, merged copies, then the workflow's warnings."""
    if adding is None:  # a first enrolment stores all it added; adding leaves earlier references
        adding = outcome.info.reference_count != outcome.added
    total = outcome.info.reference_count
    if adding:
        lines = [f"'{outcome.name}' now has {total} reference image(s) ({outcome.added} added)."]
    else:
        lines = [f"'{outcome.name}' was enrolled with {total} reference image(s)."]
    merged = merged_text(outcome, adding)
    if merged:
        lines.append(merged)
    lines += [w for w in outcome.warnings if not (merged and DUPLICATE_MARK in w)]
    if total < MIN_REFERENCES_ADVISED and not any(str(MIN_REFERENCES_ADVISED) in w for w in lines[1:]):
        lines.append(f"{MIN_REFERENCES_ADVISED} or more reference images are advised for a reliable fingerprint.")
    return lines
