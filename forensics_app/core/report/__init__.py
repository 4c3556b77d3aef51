"""The PDF evidence report of a case: what was examined, how, what was found and what was not.

The report is read by people who were not at the workbench (a court, an editor, a
platform) and must stand on its own.  That shapes how it is made:

* Integrity is checked again at export, not copied from the case: every evidence file is
  read once more, read-only, at its original path and hashed, so the report says whether
  the bytes analysed at intake are still the bytes on disk, and flags the ones that are not.
* Every check the program can make is listed as ran, not run or failed, with the reason,
  so that a check that was never made cannot be mistaken for one that found nothing.
* The report states what the one decision policy decided when the case was analysed,
  and nothing else: the policy is read back from the case and stated once, in words,
  with its origin; decisions and groups are those stored with each image.
* Conclusions are likelihood ratios in the words of the ENFSI scale, as support for
  "made by the generator ranked first" against "made by another source", never as a
  bare verdict and never in stronger words than the LR earns; where no generator was
  named the report says so plainly.  They are followed by the extractor's known error
  rates (or "not validated") and the limitations that bound them.
* The report itself is identified: its SHA-256 goes into the case's audit log.

It is built in two steps: the facts are gathered into plain data (re-checks, C2PA scan,
policy, decisions, groups, map, error rates, figures), then laid out with ReportLab's
platypus.  Figures are drawn with matplotlib's object API (never pyplot), so the report
can be written from a worker thread.

One concern per module, each importing only those listed before it:

``wording``          the ENFSI words, the propositions and the standing limitations
``versions``         the software versions that reproduce the analysis
``errors``           :class:`ReportError` and :class:`ReportCancelled`
``checks``           the checks listed, and every evidence file hashed again
``decision``         the stored decision policy and each exhibit's stored decision
``validation``       the known error rates from the model card, or why there are none
``grouping``         the groups and map stored in the case (never recomputed)
``thumbnails``       the small picture of each exhibit, from a file that still matches its hash
``figures``          each exhibit's spectrum (and thumbnail, via ``thumbnails``), the map
``tippett``          the Tippett plot of the library's comparisons, when given
``facts``            step one: every fact gathered, with progress and cancel
``layout``           fonts, styles, cells and tables
``pictures``         a thumbnail or a placeholder saying why not; the spectrum with its axes and colour bar
``exhibit_text``     the words of one exhibit shared by the summary and its row
``evidence_sections`` the integrity account (read-only intake, the case file re-checked)
``provenance_section`` how to read what the files declare, and each exhibit's declarations
``summary_section``  section 1, page 1: the case, the question, one line per exhibit
``method_section``   section 2: method, decision policy, verbal scale, reproducibility
``validation_section`` section 3: known error rates
``exhibit_section``  section 4: one compact row per exhibit, what holds for all said once above
``finding_sections`` sections 5-6: groups, map and Tippett plot; checks
``conclusions_section`` section 7: conclusions, limitations, signature
``audit_section``    section 8: the audit log
``document``         step two: the pages, numbered, built into a PDF

This module holds the entry point, :func:`write_report`, and names every part that other
code uses.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics_app.core.case import AuditEntry, Case
from forensics_app.core.fingerprint.extractor import ModelCard
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.report.checks import (
    CHANGED, FAILED, MISSING, NOT_RUN, NOT_TAKEN_IN, RAN, UNCHANGED, UNREADABLE, Check, FileCheck, evidence_path,
    recheck_file,
)
from forensics_app.core.report.decision import Decision, read_decision
from forensics_app.core.report.document import render
from forensics_app.core.report.errors import ReportCancelled, ReportError
from forensics_app.core.report.facts import Steps, gather
from forensics_app.core.report.figures import map_png, spectrum_image
from forensics_app.core.report.provenance_section import against_fingerprint
from forensics_app.core.report.tippett import library_comparisons, tippett_png
from forensics_app.core.report.versions import software_versions
from forensics_app.core.report.wording import VERBAL_SCALE, SupportLevel, verbal_support

__all__ = [
    "CHANGED", "MISSING", "NOT_TAKEN_IN", "UNCHANGED", "UNREADABLE", "RAN", "NOT_RUN", "FAILED",
    "VERBAL_SCALE", "Check", "Decision", "FileCheck", "ReportCancelled", "ReportError", "ReportResult",
    "SupportLevel", "against_fingerprint", "library_comparisons", "map_png", "recheck_file", "software_versions", "spectrum_image",
    "read_decision", "tippett_png", "verbal_support", "write_report",
]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`write_report` produced: the file, its SHA-256, and what it found."""

    path: Path
    sha256: str
    pages: int
    checks: tuple[Check, ...]
    files: tuple[FileCheck, ...]
    audit_entry: AuditEntry

    @property
    def warnings(self) -> list[str]:
        """One line per evidence file that changed, went missing or cannot be read."""
        return [f"{f.exhibit} {f.path}: {f.status}" + (f" ({f.error})" if f.error else "") for f in self.files if f.flagged]


def write_report(
    case: Case,
    out_path: Path,
    *,
    extractor_card: ModelCard | None,
    app_versions: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    tippett: tuple[np.ndarray, np.ndarray] | None = None,
) -> ReportResult:
    """Write the evidence report of `case` to `out_path` and record it in the case's audit log.

    `extractor_card` is the installed extractor's model card (None when unavailable); it is
    used only when its id is the one the case was computed with, for the preprocessing,
    background population and known error rates it documents.  `app_versions` adds or
    replaces entries of :func:`software_versions` (the desktop app passes
    ``{"Qt": qVersion()}``).  `tippett` is (same-source, different-source) log10 likelihood
    ratios of comparisons of known source for the library in use (see
    :func:`library_comparisons`); it is drawn as a Tippett plot when given, and the report
    says it was not provided when not.  `progress(done, total)` is called after each step;
    when `cancel()` turns true, :class:`ReportCancelled` is raised and nothing is written.

    The decision policy, the decisions, the groups and the t-SNE map are those stored in
    the case; the report computes none of them again and says which are missing.  The PDF
    is written atomically (a temporary file, then a rename), and an evidence file of the
    case is never overwritten.

    On success one entry is appended to ``case.audit`` (action "report", the PDF's
    SHA-256).  This changes the case in memory only: **the caller must save the case**
    (``case.save(path)``) to keep that entry.  Raises :class:`ReportError` with a message
    for the user when the file cannot be written.
    """
    out_path = Path(out_path)
    _check_destination(case, out_path)
    steps = Steps(progress, cancel)
    facts = gather(case, extractor_card, software_versions(app_versions), steps, tippett)
    data, pages = render(facts)
    steps.step()
    _write_atomically(out_path, data)
    sha256 = hashlib.sha256(data).hexdigest()
    flagged = sum(1 for f in facts.files.values() if f.flagged)
    entry = case.log("report", sha256, f"{out_path} ({pages} pages, {len(case.items)} exhibits"
                                       + (f", {flagged} changed or missing since intake" if flagged else "") + ")")
    return ReportResult(out_path, sha256, pages, tuple(facts.checks), tuple(facts.files.values()), entry)


def _check_destination(case: Case, out_path: Path) -> None:
    """Refuse before any work is done: a missing folder, or a path that is an evidence file."""
    folder = out_path.parent if str(out_path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError(f"the folder {folder} does not exist; choose an existing folder for the report")
    if out_path.is_dir():
        raise ReportError(f"{out_path} is a folder; give a file name for the report, e.g. {out_path / 'report.pdf'}")
    target = os.path.normcase(os.path.realpath(out_path))
    for item in case.items:
        exhibit = evidence_path(item)
        if os.path.normcase(os.path.realpath(exhibit)) == target or _same_file(exhibit, out_path):
            raise ReportError(f"{out_path} is the evidence file of exhibit {item.exhibit}; choose another name for the report")
    if os.path.lexists(out_path) and not _is_replaceable_report(out_path):
        raise ReportError(f"{out_path} exists and is not a PDF (a case, a library, an exhibit or another file); "
                          "it is not replaced. Choose another name for the report.")


def _same_file(first: str | Path, second: str | Path) -> bool:
    """One file by two names (a hard link, a bind mount), both existing."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _is_replaceable_report(path: Path) -> bool:
    """Only an earlier PDF may be replaced: a case file, a library or evidence never is,
    whatever path (a link, another working folder) leads to it."""
    try:
        if not os.path.isfile(path) or os.path.islink(path):
            return False
        with open(path, "rb") as handle:  # a regular file: this open cannot block
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


def _write_atomically(out_path: Path, data: bytes) -> None:
    temporary = out_path.with_name(out_path.name + ".part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, out_path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ReportError(f"cannot write the report to {out_path} ({exc.strerror or exc}); "
                          "choose a folder you can write to") from exc
