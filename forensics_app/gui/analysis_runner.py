"""Evidence into the open case, and the analysis of its images, as queued jobs.

Intake goes through `workflows.intake` and the analysis through `workflows.analyse`,
whose `record` writes each stage into the case, so an image is numbered, logged and
decided exactly as on the command line.  The analysis is one job whose stages are
applied as they arrive (a Cancel during the slow map keeps matches and groups).  Every
handler first checks that the case its job was started for is still the open one:
opening another case mid-job loses nothing and mixes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from forensics_app.gui import plain_messages as plain
from forensics_app.core.decision.attribution import DecisionPolicy
from forensics_app.core.case import Case, CaseItem, extractor_stamp
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.tasks import workflow_job
from forensics_app.gui.workers import Job
from forensics_app.workflows.analyse import STAGES, AnalysisStage, record, run_analysis
from forensics_app.workflows.session import analysis_request, session_settings
from forensics_app.workflows.intake import already_in_case, fingerprint_paths, fingerprinted, note_skipped, take_in

if TYPE_CHECKING:
    from forensics_app.gui.main_window import MainWindow

#: The stages the decision policy governs: they are redone when the library or the level changes.
POLICY_STAGES = ("attribute", "cluster")
FINGERPRINTING = "Fingerprinting"


def is_foreign(case: Case, extractor: Extractor | None) -> bool:
    """The case was fingerprinted with other weights: its fingerprints cannot meet ours."""
    return extractor is not None and case.extractor is not None and case.extractor.id != extractor.extractor_id


def foreign_case_text(case: Case, extractor: Extractor | None) -> str:
    return (f"This case was fingerprinted with extractor {case.extractor.id if case.extractor else '?'}, but the loaded "
            f"extractor is {extractor.extractor_id if extractor else 'none'}. Fingerprints of different "
            "weights cannot be compared, so its saved results are shown as they were. Use Analysis > "
            "Re-fingerprint all images to redo it with the current extractor.")


class AnalysisRunner(QObject):
    """`finished`: an analysis of the open case ended (every stage, or cancelled)."""

    finished = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.policy: DecisionPolicy | None = None  # the one the open case's results were decided by
        self.attribution_note = ""
        self._scan_buffer: list[CaseItem] = []
        self._scan_timer = QTimer(self, singleShot=True, interval=300)
        self._scan_timer.timeout.connect(self._flush_scan)

    def case_opened(self, case: Case) -> None:
        self.policy = case.settings.policy
        self.attribution_note = ""
        self._scan_buffer.clear()

    # --- intake ---------------------------------------------------------------------------

    def add_paths(self, paths: Sequence[str]) -> bool:
        """Fingerprint the files (folders recursively) in a worker; False if impossible."""
        w = self.window
        if w.extractor is None:
            plain.warning(w, APP_TITLE, w.extractor_problem or "No extractor is loaded.")
            return False
        if is_foreign(w.case, w.extractor):
            plain.warning(w, APP_TITLE, foreign_case_text(w.case, w.extractor))
            return False
        first = Path(paths[0])
        w.settings.setValue("paths/last_folder", str(first if first.is_dir() else first.parent))
        case, counts = w.case, Counter()

        def one(result: FileFingerprint) -> None:
            if case is not w.case:
                return
            if result.skipped:  # left out by the folder scan: logged with its reason, not an exhibit
                note_skipped(case, result)
                counts["left_out"] += 1
                return
            if already_in_case(case, result):
                counts["skipped"] += 1
                return
            item = w.model.add(lambda: take_in(case, result))
            counts["added"] += 1
            if counts["added"] == 1:
                w.mark_dirty()
                w.update_status()
            if item.sha256 and not item.error:
                self._scan_buffer.append(item)
                self._scan_timer.start()

        def done(found: int, cancelled: bool = False) -> None:
            if case is not w.case:
                return
            self._flush_scan()
            if not found:
                plain.information(w, APP_TITLE, f"No image files were found in {', '.join(map(str, paths))}.")
                return
            message = f"{counts['added']} file(s) added"
            if counts["skipped"]:
                message += f", {counts['skipped']} already in the case (same SHA-256) not added again"
            if counts["left_out"]:
                message += (f", {counts['left_out']} folder entr{'y' if counts['left_out'] == 1 else 'ies'} not "
                            "analysed (not images, hidden or linked folders; each listed in the audit log)")
                w.mark_dirty()
            if cancelled:
                message += f"; cancelled after {counts['added'] + counts['skipped']} of {found}"
            w.statusBar().showMessage(message, 10_000)
            if counts["added"]:
                if not case.extractor:
                    case.extractor = extractor_stamp(w.card)
                self.schedule_analysis()

        w.map_pane.expect_points()
        job = workflow_job(fingerprint_paths, w.extractor, list(paths), provenance=True)
        w.jobs.submit(Job(FINGERPRINTING, job, on_partial=one, on_result=done, on_error=w.job_status.job_failed,
                          on_aborted=lambda found: done(found, cancelled=True)))
        return True

    def _flush_scan(self) -> None:
        items, self._scan_buffer = self._scan_buffer, []
        self.window.previews.scan([(i.sha256, i.path) for i in items])

    def refingerprint(self) -> None:
        """Fingerprint every image of the case again with the current extractor and settings
        (after a change of weights or crops).

        All or nothing: the new fingerprints replace the old ones only when every image
        was fingerprinted again, so a case never holds fingerprints of two weight sets.
        A cancelled run, or one where a file moved or changed since intake, changes
        nothing and says which.
        """
        w = self.window
        items = [i for i in w.case.items if i.sha256 and not i.error]
        if w.extractor is None or not items:
            return
        case, by_sha, extractor = w.case, {i.sha256: i for i in items}, w.extractor
        fresh: dict[str, FileFingerprint] = {}

        def one(result: FileFingerprint) -> None:
            if result.ok and result.sha256 in by_sha:
                fresh[result.sha256] = result

        def cancelled(_found: int) -> None:
            if case is w.case:
                plain.information(w, APP_TITLE, "Re-fingerprinting was cancelled: nothing changed; every image keeps "
                                  f"its fingerprint from extractor {case.extractor.id if case.extractor else '?'}.")

        def done(_found: int) -> None:
            if case is not w.case:
                return
            missing = [i for i in items if i.sha256 not in fresh]
            if missing:
                plain.warning(w, APP_TITLE, f"{len(missing)} of {len(items)} image(s) could not be fingerprinted "
                              "again (the file moved or changed since intake), so nothing changed: a case holds "
                              "fingerprints of one extractor only. Restore these files and try again: "
                              + ", ".join(i.exhibit for i in missing[:20]))
                return
            for sha, result in fresh.items():
                by_sha[sha].embedding, by_sha[sha].padded = result.embedding, result.padded
            case.extractor = extractor_stamp(w.card)
            w.audit("refingerprint", f"{len(items)} images with extractor {extractor.extractor_id}, "
                    f"{w.preferences.crops} crop(s)")
            self.schedule_analysis()

        w.jobs.submit(Job("Re-fingerprinting", workflow_job(fingerprint_paths, extractor, [i.path for i in items]),
                          on_partial=one, on_result=done, on_aborted=cancelled, on_error=w.job_status.job_failed))

    # --- analysis -------------------------------------------------------------------------

    def schedule_analysis(self, stages: Sequence[str] = STAGES) -> bool:
        """Queue the given stages ('attribute', 'cluster', 'map') for every fingerprinted image."""
        w = self.window
        if w.extractor is None:
            return False
        if is_foreign(w.case, w.extractor):
            w.statusBar().showMessage(foreign_case_text(w.case, w.extractor), 15_000)
            return False
        case, items = w.case, fingerprinted(w.case)
        if not items:
            return False
        settings = session_settings(w.extractor, perplexity=w.preferences.perplexity,
                                    naming_lr=w.preferences.naming_lr)
        settings.record_in(case)
        request = analysis_request(items, w.extractor, w.library.library, settings, tuple(stages))

        def stage(result: AnalysisStage) -> None:
            if case is w.case:
                self._apply(result, items)

        def done(_result: object) -> None:
            if case is w.case:
                self.finished.emit()

        w.jobs.submit(Job("Analysing", workflow_job(run_analysis, request), on_partial=stage, on_result=done,
                          on_aborted=done, on_error=w.job_status.job_failed))
        return True

    def _apply(self, stage: AnalysisStage, items: list[CaseItem]) -> None:
        """The workflow records the stage in the case; the window only shows it."""
        w = self.window
        record(w.case, items, stage)
        w.settings_actions.note_in(w.case)
        self.policy = stage.policy
        if stage.name == "attribution":
            self.attribution_note = stage.note and f"Attribution needs enrolled generators: {stage.note}."
        elif stage.name == "clusters":
            w.previews.forget_averages("cluster:")
        elif stage.name == "map":
            w.map_pane.set_map(items, stage.note)
        w.mark_dirty()
        w.model.refresh()
        w.map_pane.refresh()
        w.inspector.refresh()
        w.update_status()

    def rerun(self) -> None:
        if not self.window.jobs.busy:
            self.schedule_analysis()
