"""What leaves the window besides the case file: hashes, the table as CSV, the report.

The report is the `write_case_report` workflow in a worker, with the worker's Cancel.
It is written from a copy of the case, so the analyst can go on working meanwhile; the
core hashes the PDF and logs it in that copy, and the one entry it made is carried into
the open case: the PDF is never hashed or logged a second time.  Evidence files that
changed or went missing since intake are named to the analyst, as the report names them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMainWindow

from forensics_app.core.case import Case, CaseItem
from forensics_app.gui import plain_messages as plain
from forensics_app.gui.exports import app_versions, write_table_csv
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.preferences import last_folder
from forensics_app.gui.tasks import workflow_job
from forensics_app.gui.workers import Job, JobQueue
from forensics_app.workflows.session import Session, SessionSettings

if TYPE_CHECKING:
    from forensics_app.core.report import ReportResult

MAX_WARNINGS_SHOWN = 20


def report_text(result: ReportResult, still_open: bool) -> str:
    """What the analyst is told of a written report, changed evidence files first."""
    text = f"Report written to {result.path} ({result.pages} pages)\n\nSHA-256 {result.sha256}\n\n"
    text += ("The hash is recorded in the case's audit log; save the case to keep it." if still_open else
             "The case it was written for is no longer open, so its audit entry was not kept.")
    warnings = result.warnings
    if warnings:
        listed = "\n".join(warnings[:MAX_WARNINGS_SHOWN])
        more = f"\n... and {len(warnings) - MAX_WARNINGS_SHOWN} more" if len(warnings) > MAX_WARNINGS_SHOWN else ""
        text = (f"{len(warnings)} evidence file(s) changed, went missing or cannot be read since intake; the report "
                f"flags them:\n{listed}{more}\n\n{text}")
    return text


class ReportExport(QObject):
    def __init__(self, session: Session, jobs: JobQueue, settings: QSettings, parent: QMainWindow,
                 selected: Callable[[], list[CaseItem]], session_settings: Callable[[], SessionSettings | None]) -> None:
        super().__init__(parent)
        self.session, self.jobs, self.settings, self.parent_window = session, jobs, settings, parent
        self.selected, self.session_settings = selected, session_settings

    def _say(self, text: str) -> None:
        self.parent_window.statusBar().showMessage(text, 5000)

    def copy_hashes(self) -> None:
        """SHA-256 of the selected images in `sha256sum` format, so `sha256sum -c` can check them."""
        lines = [f"{i.sha256}  {i.path}" for i in self.selected() if i.sha256]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
            self._say(f"SHA-256 of {len(lines)} image(s) copied")

    def export_csv(self) -> None:
        case = self.session.case
        path, _ = QFileDialog.getSaveFileName(self.parent_window, "Export table as CSV", last_folder(self.settings),
                                              "CSV (*.csv)")
        if not path:
            return
        try:
            write_table_csv(case, Path(path))
        except OSError as exc:
            plain.critical(self.parent_window, APP_TITLE, f"The table could not be written to {path}: "
                                                          f"{exc.strerror or exc}")
            return
        self._say(f"{len(case.items)} row(s) exported to {path}")

    def export_report(self) -> None:
        """File > Export report: the report workflow in a worker, stopped by Cancel."""
        session, window = self.session, self.parent_window
        try:
            from forensics_app.workflows.report import write_case_report
        except ImportError as exc:
            plain.warning(window, APP_TITLE, f"The report module is not available in this build ({exc}).")
            return
        if session.card is None:
            plain.warning(window, APP_TITLE, session.extractor_problem or "No extractor is loaded.")
            return
        if not session.case.items:
            plain.information(window, APP_TITLE, "Add images to the case before writing its report.")
            return
        start = str(Path(last_folder(self.settings)) / f"{session.case.reference or 'report'}.pdf")
        path, _ = QFileDialog.getSaveFileName(window, "Export report", start, "PDF (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        case = session.case
        session.stamp_extractor()
        session.note_settings(self.session_settings())
        snapshot = Case.from_dict(case.to_dict())
        # what the opening found stays on record in the report written from the copy
        snapshot.load_problems, snapshot.source_sha256 = list(case.load_problems), case.source_sha256

        def done(result: ReportResult) -> None:
            case.audit.append(result.audit_entry)  # the entry the core logged in the copy
            if case is session.case:
                session.mark_dirty()
            say = plain.warning if result.warnings else plain.information
            say(window, APP_TITLE, report_text(result, case is session.case))

        job = workflow_job(write_case_report, snapshot, Path(path), session.card, app_versions(session.extractor),
                           library=session.library, extractor=session.extractor)
        self.jobs.submit(Job("Writing the report", job, on_result=done))
