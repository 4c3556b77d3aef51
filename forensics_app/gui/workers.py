"""The one worker abstraction for every long job of the app, and the queue that runs them.

A job is a plain function `job(progress, cancel)` written against core's callbacks; it
either returns its result or, when it has results to show before it ends, is a
generator that yields them (the table fills while a folder is fingerprinted, and a
cancelled batch keeps what it yielded).  `Worker` runs it on a thread pool and turns
those callbacks into Qt signals, so core stays free of Qt and the GUI thread never
computes.  `JobQueue` runs the window's jobs one after another, so two jobs never write
the same case or library at once, and gives the window one place to show progress and
one Cancel.

A job ends in one of three ways, each with its own signal (as superqt's ``thread_worker``
keeps ``aborted`` apart from ``returned``): it returned (``result``), it stopped because
Cancel was pressed (``aborted``: a generator job that ended after the request, or a job
that raised one of the cancellation errors), or it failed (``error``).  A handler of
``result`` therefore never meets a half-done job, and a cancelled job changes nothing it
had not finished.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from forensics_app.core.progress import CancelCheck as CancelFn
from forensics_app.core.progress import ProgressCallback as ProgressFn

JobFn = Callable[[ProgressFn, CancelFn], Any]


class WorkerSignals(QObject):
    progress = Signal(int, int, float)  # done, total (0 if unknown), seconds remaining (-1 if unknown)
    partial = Signal(object)  # each value a generator job yields
    result = Signal(object)
    aborted = Signal(object)  # what a cancelled job returned (a generator's value), or its cancellation error
    error = Signal(object)  # the exception
    finished = Signal()


class Worker(QRunnable):
    """Runs `job(progress, cancel)` off the GUI thread; `cancel()` asks it to stop."""

    def __init__(self, job: JobFn) -> None:
        super().__init__()
        self.job = job
        self.signals = WorkerSignals()
        self._cancelled = threading.Event()
        self.thread_id: int | None = None
        self.done = False
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

        stopped_early = False
        try:
            outcome = self.job(progress, self._cancelled.is_set)
            if inspect.isgenerator(outcome):
                outcome = self._drain(outcome)
                stopped_early = self.cancelled
        except Exception as exc:  # shown to the user; the traceback goes to stderr for bug reports
            if is_cancellation(exc):
                self.signals.aborted.emit(exc)
            else:
                if not is_user_error(exc):
                    traceback.print_exc()
                self.signals.error.emit(exc)
        else:
            # A plain function that returned did all its work (an enrolment committed); a
            # generator that ended after Cancel stopped early, whatever it returns.
            (self.signals.aborted if stopped_early else self.signals.result).emit(outcome)
        finally:
            self.done = True
            self.signals.finished.emit()

    def _drain(self, generator) -> Any:
        """Emit every yielded value as `partial`; the generator's return value is the result."""
        while True:
            try:
                value = next(generator)
            except StopIteration as stop:
                return stop.value
            self.signals.partial.emit(value)


def _report_error(name: str) -> tuple[type[BaseException], ...]:
    """One of the report module's exceptions; none where the build leaves that module out."""
    try:
        return (getattr(importlib.import_module("forensics_app.core.report"), name),)
    except ImportError:
        return ()


def is_cancellation(exc: BaseException) -> bool:
    """A job that stopped because the analyst pressed Cancel: said plainly, never as a failure."""
    from forensics_app.core.library import RebuildCancelled
    from forensics_app.workflows.enrol import EnrolmentCancelled

    return isinstance(exc, (EnrolmentCancelled, RebuildCancelled, *_report_error("ReportCancelled")))


def is_user_error(exc: BaseException) -> bool:
    """Errors whose message tells the user what to do (as opposed to a bug in the program)."""
    from forensics_app.core.case import CaseError
    from forensics_app.core.evidence import EvidenceError
    from forensics_app.core.fingerprint.extractor import ExtractorError
    from forensics_app.core.library import LibraryError

    kinds = (CaseError, EvidenceError, ExtractorError, LibraryError, OSError, ValueError, *_report_error("ReportError"))
    return isinstance(exc, kinds) or is_cancellation(exc)


def error_text(exc: BaseException) -> str:
    """What the user reads: the message of an error they can act on, a plain notice for a bug."""
    if is_user_error(exc):
        return str(exc) or type(exc).__name__
    return (f"An unexpected error stopped the job ({type(exc).__name__}: {exc}). Nothing that was already "
            "done was lost; the details were written to the program's error output.")


def remaining_text(seconds: float) -> str:
    """'about 40 s left' / 'about 3 min left'; empty when unknown."""
    if seconds < 0.5:  # unknown, or as good as done
        return ""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"


@dataclass
class Job:
    """One unit of the window's work: what to run and where its results go (on the GUI thread)."""

    label: str
    run: JobFn
    on_result: Callable[[Any], None] | None = None
    on_partial: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    #: Called, instead of `on_result`, when the job stopped because Cancel was pressed; without
    #: it the queue's `aborted` signal says so under the job's label.
    on_aborted: Callable[[Any], None] | None = None


class JobQueue(QObject):
    """Runs jobs one at a time in submission order on a thread pool.

    The callbacks of a job run on the GUI thread, in the order result -> next job, so a
    result handler may submit a follow-up job that runs before anything queued later.
    """

    started = Signal(str)  # the job's label
    progress = Signal(int, int, float)
    failed = Signal(str, object)  # label, exception (for jobs without their own on_error)
    aborted = Signal(str, object)  # label, what it returned or its cancellation error (jobs without on_aborted)
    idle = Signal()

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self.current: Worker | None = None
        self.current_job: Job | None = None
        self.pending: list[Job] = []
        # A finished worker's run() may still be returning on its pool thread when its
        # `finished` arrives here; keeping the last few alive keeps Python from freeing
        # the QRunnable under it.
        self._retired: list[Worker] = []

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.pending)

    def submit(self, job: Job) -> None:
        self.pending.append(job)
        if self.current is None:
            self._start_next()

    def cancel(self) -> None:
        """Stop the running job and drop the queued ones; what finished stays."""
        self.pending.clear()
        if self.current is not None:
            self.current.cancel()

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the pool is idle (closing the window); queued jobs are dropped."""
        self.cancel()
        return self.pool.waitForDone(msecs)

    def _start_next(self) -> None:
        if self.current is not None:
            self._retired = [*self._retired[-3:], self.current]
        if not self.pending:
            self.current, self.current_job = None, None
            self.idle.emit()
            return
        job = self.pending.pop(0)
        worker = Worker(job.run)
        worker.signals.progress.connect(self.progress)
        worker.signals.partial.connect(self._on_partial)
        worker.signals.result.connect(self._on_result)
        worker.signals.aborted.connect(self._on_aborted)
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        self.current, self.current_job = worker, job
        self.started.emit(job.label)
        self.pool.start(worker)

    @Slot(object)
    def _on_partial(self, value: Any) -> None:
        if self.current_job is not None and self.current_job.on_partial is not None:
            self.current_job.on_partial(value)

    @Slot(object)
    def _on_result(self, value: Any) -> None:
        if self.current_job is not None and self.current_job.on_result is not None:
            self.current_job.on_result(value)

    @Slot(object)
    def _on_aborted(self, value: Any) -> None:
        job = self.current_job
        if job is not None and job.on_aborted is not None:
            job.on_aborted(value)
        elif job is not None:
            self.aborted.emit(job.label, value)

    @Slot(object)
    def _on_error(self, exc: BaseException) -> None:
        job = self.current_job
        if job is not None and job.on_error is not None:
            job.on_error(exc)
        elif job is not None:
            self.failed.emit(job.label, exc)

    @Slot()
    def _on_finished(self) -> None:
        self._start_next()
