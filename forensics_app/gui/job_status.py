"""The running job in the status bar: its label, progress, time left and one Cancel;
and how a job's end that is not a result is said to the analyst.

Kept apart from the window so that every part that submits jobs (case intake, the
library, the report) says a failure, or a cancellation, in the same words.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QProgressBar, QPushButton, QStyle

from forensics_app.gui import plain_messages as plain
from forensics_app.gui.workers import JobQueue, error_text, is_cancellation, remaining_text

APP_TITLE = "Forensics App"


def say_failure(window: QMainWindow, label: str, exc: BaseException) -> None:
    """A cancellation goes to the status bar (the analyst asked for it); a failure to a dialog."""
    if is_cancellation(exc):
        window.statusBar().showMessage(str(exc) or f"{label} was cancelled.", 10_000)
    else:
        plain.critical(window, APP_TITLE, f"{label} failed. {error_text(exc)}")


def say_cancelled(window: QMainWindow, label: str, value: object) -> None:
    """A job stopped by Cancel: the status bar says so, in the job's own words when it has them."""
    words = str(value) if isinstance(value, BaseException) and str(value) else f"{label} was cancelled."
    window.statusBar().showMessage(words, 10_000)


class JobStatus(QObject):
    """Progress bar and Cancel button for `jobs`; `running(bool)` follows the queue."""

    running = Signal(bool)

    def __init__(self, window: QMainWindow, jobs: JobQueue) -> None:
        super().__init__(window)
        self.window, self.jobs = window, jobs
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(280)
        self.bar.setMaximumWidth(420)
        self.bar.hide()
        self.cancel_button = QPushButton(window.style().standardIcon(QStyle.SP_BrowserStop), "Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc); what is finished is kept")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        window.statusBar().addPermanentWidget(self.bar)
        window.statusBar().addPermanentWidget(self.cancel_button)
        jobs.started.connect(self._started)
        jobs.progress.connect(self._progress)
        jobs.idle.connect(self._idle)
        jobs.failed.connect(self.failed)
        jobs.aborted.connect(self.aborted)

    def cancel(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            self.window.statusBar().showMessage("Cancelling: what is finished is kept", 5000)

    def failed(self, label: str, exc: BaseException) -> None:
        say_failure(self.window, label, exc)

    def aborted(self, label: str, value: object) -> None:
        say_cancelled(self.window, label, value)

    def job_failed(self, exc: BaseException) -> None:
        """For a job's own `on_error`: the failure under the running job's label."""
        self.failed(self.jobs.current_job.label if self.jobs.current_job else "The job", exc)

    def _started(self, label: str) -> None:
        self.bar.setRange(0, 0)
        self.bar.setFormat(label)
        self.bar.setToolTip(plain.as_shown(label))
        self.bar.show()
        self.cancel_button.show()
        self.running.emit(True)

    def _progress(self, done: int, total: int, remaining: float) -> None:
        if total:
            label = self.jobs.current_job.label if self.jobs.current_job else ""
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            eta = remaining_text(remaining)
            self.bar.setFormat(f"{label} %v / %m" + (f", {eta}" if eta else ""))

    def _idle(self) -> None:
        self.bar.hide()
        self.cancel_button.hide()
        self.running.emit(False)
