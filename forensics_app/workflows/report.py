"""The evidence report of a case: written once, hashed once, logged once.

The core writes the PDF and appends its audit entry (path, SHA-256, pages); this
workflow only hands back that result, with the warnings about evidence files that
changed or went missing, so both front-ends show the same thing and neither hashes or
logs the file a second time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from forensics_app.core.case import Case
from forensics_app.core.fingerprint.extractor import ModelCard
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.report import ReportResult, write_report


def write_case_report(case: Case, out_path: Path, card: ModelCard | None, app_versions: Mapping[str, str] | None = None,
                      progress: ProgressCallback | None = None, cancel: CancelCheck | None = None) -> ReportResult:
    return write_report(case, Path(out_path), extractor_card=card, app_versions=app_versions, progress=progress,
                        cancel=cancel)
