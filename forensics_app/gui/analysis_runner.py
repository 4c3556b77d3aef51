"""Evidence into the open case, and the analysis of its images, as queued jobs.

Files are fingerprinted in a worker and taken in by the session (`workflows.session`),
which records each analysis stage as it arrives (a Cancel during the slow map keeps
matches and groups) and tells the panes; so an image is numbered, logged and decided
exactly as on the command line.  Every handler first checks that the case its job was
started for is still the open one: opening another case mid-job loses nothing and mixes
nothing.  The runner takes the session, the job queue and what it shows pictures with;
its dialogs and status messages go to `parent`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from forensics_app.core.case import CaseItem, extractor_stamp
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.gui import plain_messages as plain
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.previews import PreviewStore
from forensics_app.gui.tasks import workflow_job
from forensics_app.gui.workers import Job, JobQueue
from forensics_app.workflows.analyse import STAGES, AnalysisStage, run_analysis
from forensics_app.workflows.intake import fingerprint_paths
from forensics_app.workflows.session import ADDED, ALREADY_IN, LEFT_OUT, Session, SessionSettings

#: The stages the decision policy governs: they are redone when the library or the level changes.
POLICY_STAGES = ("attribute", "cluster")
FINGERPRINTING = "Fingerprinting"


class AnalysisRunner(QObject):
    """`fingerprinting`: images are being fingerprinted for the case (the map will change);
    `finished`: an analysis of the open case ended (every stage, or cancelled)."""

    fingerprinting = Signal()
    finished = Signal()

    def __init__(self, session: Session, jobs: JobQueue, previews: PreviewStore,
                 settings: Callable[[], SessionSettings], parent: QMainWindow) -> None:
        super().__init__(parent)
        self.session, self.jobs, self.previews = session, jobs, previews
        self.settings, self.parent_window = settings, parent
        self._scan_buffer: list[CaseItem] = []
        self._scan_timer = QTimer(self, singleShot=True, interval=300)
        self._scan_timer.timeout.connect(self._flush_scan)
        session.events.opened.connect(lambda _case: self._scan_buffer.clear())

    def _say(self, text: str, timeout: int = 10_000) -> None:
        self.parent_window.statusBar().showMessage(text, timeout)

    # --- intake ---------------------------------------------------------------------------

    def add_paths(self, paths: Sequence[str]) -> bool:
        """Fingerprint the files (folders recursively) in a worker; False if impossible."""
        session, window = self.session, self.parent_window
        if session.extractor is None:
            plain.warning(window, APP_TITLE, session.extractor_problem or "No extractor is loaded.")
            return False
        if session.foreign:
            plain.warning(window, APP_TITLE, session.foreign_text())
            return False
        case, counts = session.case, Counter()

        def one(result: FileFingerprint) -> None:
            if case is not session.case:
                return
            outcome, item = session.take_in(result)
            counts[outcome] += 1
            if item is not None and item.sha256 and not item.error:
                self._scan_buffer.append(item)
                self._scan_timer.start()

        def done(found: int, cancelled: bool = False) -> None:
            if case is not session.case:
                return
            self._flush_scan()
            if not found:
                plain.information(window, APP_TITLE, f"No image files were found in {', '.join(map(str, paths))}.")
                return
            message = f"{counts[ADDED]} file(s) added"
            if counts[ALREADY_IN]:
                message += f", {counts[ALREADY_IN]} already in the case (same SHA-256) not added again"
            if counts[LEFT_OUT]:
                message += (f", {counts[LEFT_OUT]} folder entr{'y' if counts[LEFT_OUT] == 1 else 'ies'} not "
                            "analysed (not images, hidden or linked folders; each listed in the audit log)")
            if cancelled:
                message += f"; cancelled after {counts[ADDED] + counts[ALREADY_IN]} of {found}"
            self._say(message)
            if counts[ADDED]:
                self.schedule_analysis()

        self.fingerprinting.emit()
        job = workflow_job(fingerprint_paths, session.extractor, list(paths), provenance=True)
        self.jobs.submit(Job(FINGERPRINTING, job, on_partial=one, on_result=done,
                             on_aborted=lambda found: done(found, cancelled=True)))
        return True

    def _flush_scan(self) -> None:
        items, self._scan_buffer = self._scan_buffer, []
        self.previews.scan([(i.sha256, i.path) for i in items])

    def refingerprint(self) -> None:
        """Fingerprint every image of the case again with the current extractor and settings
        (after a change of weights or crops).

        All or nothing: the new fingerprints replace the old ones only when every image
        was fingerprinted again, so a case never holds fingerprints of two weight sets.
        A cancelled run, or one where a file moved or changed since intake, changes
        nothing and says which.
        """
        session, window = self.session, self.parent_window
        items = [i for i in session.case.items if i.sha256 and not i.error]
        if session.extractor is None or not items:
            return
        case, by_sha, extractor = session.case, {i.sha256: i for i in items}, session.extractor
        fresh: dict[str, FileFingerprint] = {}

        def one(result: FileFingerprint) -> None:
            if result.ok and result.sha256 in by_sha:
                fresh[result.sha256] = result

        def cancelled(_found: int) -> None:
            if case is session.case:
                stamp = case.extractor.id if case.extractor else "?"
                plain.information(window, APP_TITLE, "Re-fingerprinting was cancelled: nothing changed; every image "
                                  f"keeps its fingerprint from extractor {stamp}.")

        def done(_found: int) -> None:
            if case is not session.case:
                return
            missing = [i for i in items if i.sha256 not in fresh]
            if missing:
                plain.warning(window, APP_TITLE, f"{len(missing)} of {len(items)} image(s) could not be fingerprinted "
                              "again (the file moved or changed since intake), so nothing changed: a case holds "
                              "fingerprints of one extractor only. Restore these files and try again: "
                              + ", ".join(i.exhibit for i in missing[:20]))
                return
            for sha, result in fresh.items():
                by_sha[sha].embedding, by_sha[sha].padded = result.embedding, result.padded
            case.extractor = extractor_stamp(session.card)
            session.audit("refingerprint", f"{len(items)} images with extractor {extractor.extractor_id}, "
                          f"{self.settings().crops} crop(s)")
            self.schedule_analysis()

        self.jobs.submit(Job("Re-fingerprinting", workflow_job(fingerprint_paths, extractor, [i.path for i in items]),
                             on_partial=one, on_result=done, on_aborted=cancelled))

    # --- analysis -------------------------------------------------------------------------

    def schedule_analysis(self, stages: Sequence[str] = STAGES) -> bool:
        """Queue the given stages ('attribute', 'cluster', 'map') for every fingerprinted image."""
        session = self.session
        if session.extractor is None:
            return False
        if session.foreign:
            self._say(session.foreign_text(), 15_000)
            return False
        case = session.case
        items, request = session.analysis(self.settings(), stages)
        if not items:
            return False

        def stage(result: AnalysisStage) -> None:
            if case is session.case:
                session.record(items, result)

        def done(_result: object) -> None:
            if case is session.case:
                self.finished.emit()

        self.jobs.submit(Job("Analysing", workflow_job(run_analysis, request), on_partial=stage, on_result=done,
                             on_aborted=done))
        return True

    def rerun(self) -> None:
        if not self.jobs.busy:
            self.schedule_analysis()

