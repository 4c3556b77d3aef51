"""Opening a saved case: read it, re-check it, and record what the re-check found.

Both front-ends open cases here, so a case that disagrees with itself is reported the
same way in the window and on the command line, and the finding is written into the
case's own audit log: the next save seals the case again, and that entry keeps the
earlier disagreement on record instead of letting the new seal launder it.
"""

from __future__ import annotations

from pathlib import Path

from forensics_app.core.case import Case, load_case
from forensics_app.core.case.check import INTEGRITY_ACTION, CaseCheck, check_case


def open_case(path: Path) -> tuple[Case, CaseCheck]:
    """The case at `path` (CaseError when unreadable) and its re-check."""
    case = load_case(Path(path))
    result = check_case(case)
    if result.problems:
        listed = "; ".join(result.problems[:20]) + (f"; and {len(result.problems) - 20} more"
                                                    if len(result.problems) > 20 else "")
        case.log(INTEGRITY_ACTION, case.source_sha256, f"opened {path}: {result.summary()}: {listed}")
    return case, result
