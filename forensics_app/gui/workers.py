"""The one worker abstraction for every long job of the app.

A job is a plain function `job(progress, cancel) -> result` written against core's
callbacks; `Worker` runs it on the thread pool and turns those callbacks into Qt
signals, so core stays free of Qt and the GUI thread never computes.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal


class WorkerSignals(QObject):
    progress = Signal(int, int, float)  # done, total (0 if unknown), seconds remaining (-1 if unknown)
    result = Signal(object)
    error = Signal(str)
    finished = Signal()


class Worker(QRunnable):
    """Runs `job(progress, cancel)` off the GUI thread; `cancel()` asks it to stop."""

    def __init__(self, job: Callable[[Callable[[int, int | None], None], Callable[[], bool]], Any]) -> None:
        super().__init__()
        self.job = job
        self.signals = WorkerSignals()
        self._cancelled = threading.Event()
        self.thread_id: int | None = None
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def run(self) -> None:
        self.thread_id = threading.get_ident()
        started = time.monotonic()

        def progress(done: int, total: int | None) -> None:
            elapsed = time.monotonic() - started
            remaining = (total - done) * elapsed / done if total and done else -1.0
            self.signals.progress.emit(done, total or 0, remaining)

        try:
            outcome = self.job(progress, self._cancelled.is_set)
        except Exception as exc:  # shown to the user; the traceback goes to stderr for bug reports
            traceback.print_exc()
            self.signals.error.emit(str(exc) or type(exc).__name__)
        else:
            self.signals.result.emit(outcome)
        finally:
            self.signals.finished.emit()
