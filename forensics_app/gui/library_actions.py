"""What the library panel's buttons do: open the library, enrol, rename, remove, exchange.

Every write runs as a job in the window's queue (a library locked by another program
waits there, not in the GUI thread) and every outcome is said to the analyst: what was
enrolled, which files were rejected and why, what a warning means.  After each change
`changed` fires and the window re-ranks every image against the new library.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import (
    GeneratorInfo,
    Library,
    LibraryError,
    LibraryExtractorMismatchError,
    Reference,
    default_library_path,
)
from forensics_app.core.library.rebuild import rebuild_library
from forensics_app.gui import plain_messages as plain
from forensics_app.gui.enrol_text import enrol_summary
from forensics_app.gui.job_status import APP_TITLE, say_cancelled, say_failure
from forensics_app.gui.preferences import last_folder
from forensics_app.gui.tasks import call_job, workflow_job
from forensics_app.gui.widgets.dialogs import EnrolDialog
from forensics_app.gui.widgets.library_panel import LibraryPanel
from forensics_app.gui.workers import Job, JobQueue
from forensics_app.workflows.enrol import EnrolOutcome, enrol, references_of
from forensics_app.workflows.intake import fingerprint_paths
from forensics_app.workflows.library_health import ReferenceSpread, library_health

LIBRARY_FILTER = "Library files (*.sqlite *.falib);;All files (*)"


class LibraryActions(QObject):
    """`changed`: the generators changed (re-rank); `names_changed(list)`: their names;
    `opened(library)`: the library attribution now uses (None: none)."""

    changed = Signal()
    names_changed = Signal(list)
    opened = Signal(object)  # the open Library, or None when none could be opened

    def __init__(self, parent: QWidget, panel: LibraryPanel, jobs: JobQueue, settings: QSettings,
                 selection: Callable[[], list[Reference]], audit: Callable[[str, str], None]) -> None:
        super().__init__(parent)
        self.window, self.panel, self.jobs, self.settings = parent, panel, jobs, settings
        self.selection, self.audit = selection, audit
        self.library: Library | None = None
        self.extractor: Extractor | None = None
        self.problem: str | None = None
        self.generators: list[GeneratorInfo] = []
        self.spreads: dict[str, ReferenceSpread] = {}
        panel.enrol_folder.connect(self.enrol_from_folder)
        panel.enrol_selection.connect(self.enrol_from_selection)
        panel.add_folder.connect(self.add_from_folder)
        panel.add_selection.connect(self.add_from_selection)
        panel.rename.connect(self.rename)
        panel.remove.connect(self.remove)
        panel.import_library.connect(self.import_library)
        panel.export_library.connect(self.export_library)
        panel.rebuild.connect(self.rebuild)

    # --- opening ----------------------------------------------------------------------------

    def open(self, extractor: Extractor | None) -> None:
        """(Re)open the library for this extractor; a library that cannot be used is shown
        as a problem in the panel and the rest of the app goes on without attribution."""
        self.close()
        self.extractor = extractor
        self.problem = None
        if extractor is None:
            self._set_problem("The library needs the fingerprint extractor, which is not loaded.")
            return
        path = default_library_path()
        try:
            self.library = Library.open(path, extractor.extractor_id, extractor.embedding_dim)
        except LibraryExtractorMismatchError as exc:
            self._set_problem(f"{exc}", can_rebuild=bool(exc.reenrollable))
            return
        except (LibraryError, ValueError, OSError) as exc:
            self._set_problem(f"The library cannot be opened: {exc}")
            return
        self.opened.emit(self.library)
        self.refresh()

    def close(self) -> None:
        if self.library is not None:
            self.library.close()
            self.library = None
            self.opened.emit(None)

    def _set_problem(self, text: str, can_rebuild: bool = False) -> None:
        self.problem = text
        self.generators, self.spreads = [], {}
        self.panel.set_problem(text, can_rebuild)
        self.names_changed.emit([])

    def refresh(self) -> None:
        """Read the generator list again (one quick query) and show it."""
        if self.library is None:
            return
        try:
            self.generators = self.library.generators()
            # quick indexed reads (two per generator): how alike each one's references are
            self.spreads = library_health(self.library, [g.name for g in self.generators])
        except LibraryError as exc:
            self._set_problem(str(exc))
            return
        self.panel.set_generators(self.generators, self.library.extractor_id, str(self.library.path), self.spreads)
        self.names_changed.emit([g.name for g in self.generators])

    @property
    def summary(self) -> str:
        if self.library is None:
            return "library unavailable"
        references = sum(g.reference_count for g in self.generators)
        return f"library {len(self.generators)} generator(s), {references} reference(s)"

    def _usable(self) -> bool:
        if self.library is None:
            plain.warning(self.window, APP_TITLE, self.problem or "The library is not open.")
            return False
        return True

    # --- enrolment --------------------------------------------------------------------------

    def _folder(self, title: str) -> str:
        start = last_folder(self.settings)
        return QFileDialog.getExistingDirectory(self.window, title, start)

    def enrol_from_folder(self) -> None:
        if not self._usable():
            return
        folder = self._folder("Folder of one generator's reference images")
        if not folder:
            return
        details = EnrolDialog.ask(self.window, folder, Path(folder).name)
        if details is None:
            return
        self._enrol(details.name, f"from {folder}", extractor=self.extractor, paths=[folder], family=details.family,
                    notes=details.notes)

    def enrol_from_selection(self) -> None:
        if not self._usable():
            return
        references = self.selection()
        if not references:
            plain.information(self.window, APP_TITLE, "Select fingerprinted images in the evidence table first: "
                                    "they become the new generator's reference images.")
            return
        details = EnrolDialog.ask(self.window, f"{len(references)} selected image(s)")
        if details is None:
            return
        self._enrol(details.name, f"from {len(references)} case image(s)", references=references,
                    family=details.family, notes=details.notes)

    def add_from_folder(self, name: str) -> None:
        if not self._usable():
            return
        folder = self._folder(f"Folder of more reference images of '{name}'")
        if folder:
            self._enrol(name, f"references added from {folder}", extractor=self.extractor, paths=[folder], add=True)

    def add_from_selection(self, name: str) -> None:
        if not self._usable():
            return
        references = self.selection()
        if references:
            self._enrol(name, f"{len(references)} case image(s) added as references", references=references, add=True)

    def _enrol(self, name: str, detail: str, **request) -> None:
        """The enrol workflow in the queue; `request` is its keyword arguments."""

        def done(outcome: EnrolOutcome) -> None:
            self.audit("enrol", f"'{outcome.name}': {outcome.added} reference(s) {detail}")
            self.refresh()
            self.changed.emit()
            lines = enrol_summary(outcome, bool(request.get("add")))
            spread = self.spreads.get(outcome.name)
            lines += spread.warnings() if spread is not None else []
            if outcome.rejected:
                lines.append(f"{len(outcome.rejected)} file(s) could not be used:")
                lines += [f"  {Path(path).name}: {reason}" for path, reason in outcome.rejected[:10]]
                if len(outcome.rejected) > 10:
                    lines.append(f"  ... and {len(outcome.rejected) - 10} more")
            if len(lines) > 1 or outcome.rejected:
                plain.warning(self.window, APP_TITLE, "\n".join(lines))
            else:
                self.window.statusBar().showMessage(lines[0], 8000)

        self.jobs.submit(Job(f"Enrolling '{name}'", workflow_job(enrol, self.library, name, **request),
                             on_result=done, on_error=self._failed, on_aborted=self._aborted))

    # --- editing ----------------------------------------------------------------------------

    def rename(self, name: str) -> None:
        if not self._usable():
            return
        new, ok = QInputDialog.getText(self.window, "Rename generator", f"New name for '{name}':", text=name)
        if not ok or not new.strip() or new.strip() == name:
            return
        self._write(f"Renaming '{name}'", call_job(self.library.rename, name, new.strip()),
                    "rename", f"'{name}' -> '{new.strip()}'")

    def remove(self, name: str) -> None:
        if not self._usable():
            return
        answer = plain.question(
            self.window, APP_TITLE, f"Remove '{name}' and all its reference fingerprints from the library? "
            "Images attributed to it will be re-ranked without it. Export the library first to keep a copy.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self._write(f"Removing '{name}'", call_job(self.library.remove, name), "remove-generator", f"'{name}'")

    def import_library(self) -> None:
        if not self._usable():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Import library", str(Path.home()), LIBRARY_FILTER)
        if not path:
            return

        def done(names: list[str]) -> None:
            self.audit("import-library", f"{len(names)} generator(s) from {path}: {', '.join(names)}")
            self.refresh()
            self.changed.emit()
            plain.information(self.window, APP_TITLE, (
                f"Imported {len(names)} generator(s){': ' + ', '.join(names) if names else ''}. Generators "
                "already enrolled under the same name were kept as they were."))

        self.jobs.submit(Job("Importing library", call_job(self.library.import_library, path, "skip"),
                             on_result=done, on_error=self._failed, on_aborted=self._aborted))

    def export_library(self) -> None:
        if not self._usable():
            return
        path, _ = QFileDialog.getSaveFileName(self.window, "Export library", str(Path.home() / "library.sqlite"),
                                              LIBRARY_FILTER)
        if path:
            self.jobs.submit(Job("Exporting library", call_job(self.library.export, path, overwrite=True),
                                 on_result=lambda target: self.window.statusBar().showMessage(
                                     f"Library exported to {target}", 8000),
                                 on_error=self._failed, on_aborted=self._aborted))

    def _write(self, label: str, job, action: str, detail: str) -> None:
        def done(_result) -> None:
            self.audit(action, detail)
            self.refresh()
            self.changed.emit()

        self.jobs.submit(Job(label, job, on_result=done, on_error=self._failed, on_aborted=self._aborted))

    def rebuild(self) -> None:
        """Re-enrol a library made with other weights from its reference images' paths."""
        extractor = self.extractor
        if extractor is None:
            return
        path = default_library_path()

        def embed(paths: list[str]) -> list[Reference]:
            return references_of(list(fingerprint_paths(extractor, paths)))[0]

        def done(result) -> None:
            dropped = f" Generators with no usable reference image left: {', '.join(result.dropped)}." \
                if result.dropped else ""
            plain.information(self.window, APP_TITLE, f"The library was rebuilt with extractor "
                                    f"{extractor.extractor_id}; the old file is kept as {result.backup_path}.{dropped}")
            self.open(extractor)
            self.changed.emit()

        job = workflow_job(rebuild_library, path, extractor.extractor_id, extractor.embedding_dim, None, embed)
        self.jobs.submit(Job("Rebuilding the library", job, on_result=done, on_error=self._failed, on_aborted=self._aborted))

    def _aborted(self, value: object) -> None:
        """Cancelled: nothing was written; said in the status bar, and the panel shows the library as it is."""
        say_cancelled(self.window, self.jobs.current_job.label if self.jobs.current_job else "The library job", value)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        say_failure(self.window, self.jobs.current_job.label if self.jobs.current_job else "The library job", exc)
        self.refresh()
