"""The evidence report of a case: written once, hashed once, logged once.

The core writes the PDF and appends its audit entry (path, SHA-256, pages); this
workflow only hands back that result, with the warnings about evidence files that
changed or went missing, so both front-ends show the same thing and neither hashes or
logs the file a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from forensics_app.core.case import Case
from forensics_app.core.fingerprint.extractor import Extractor, ModelCard
from forensics_app.core.library import Library
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.report import ReportResult, write_report
from forensics_app.core.report.tippett import library_comparisons


def tippett_comparisons(case: Case, library: Library | None, extractor: Extractor | None
                        ) -> tuple[np.ndarray, np.ndarray] | None:
    """The library's comparisons of known source under the case's policy, for the Tippett
    plot; None unless the open library is, byte for byte, the one the case was decided with."""
    policy = case.settings.policy
    if library is None or extractor is None or policy is None:
        return None
    if case.extractor is None or case.extractor.id != extractor.extractor_id:
        return None
    wanted = case.library_sha256
    if not wanted or library.snapshot().get("content_sha256") != wanted:
        return None
    return library_comparisons(library.reference_sets(), extractor.background(), policy)


def write_case_report(case: Case, out_path: Path, card: ModelCard | None, app_versions: Mapping[str, str] | None = None,
                      progress: ProgressCallback | None = None, cancel: CancelCheck | None = None,
                      library: Library | None = None, extractor: Extractor | None = None) -> ReportResult:
    """`library` and `extractor`, when they are those the case was decided with, add the
    Tippett plot of the library's comparisons."""
    return write_report(case, Path(out_path), extractor_card=card, app_versions=app_versions, progress=progress,
                        cancel=cancel, tippett=tippett_comparisons(case, library, extractor))
