"""The main window: evidence table, drag and drop, long work in workers, case files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, QSortFilterProxyModel, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.case import Case, CaseError, CaseItem, load_case
from forensics_app.core.evidence import iter_image_files
from forensics_app.core.fingerprint.extractor import Extractor, ExtractorError
from forensics_app.gui.evidence_model import EvidenceTableModel
from forensics_app.gui.workers import Worker

APP_TITLE = "Forensics App"


class MainWindow(QMainWindow):
    """One case at a time; every long job goes through `Worker` on the thread pool."""

    analysis_finished = Signal()

    def __init__(self, device: str = "auto", settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.device = device
        self.case = Case()
        self.case_path: Path | None = None
        self.dirty = False
        self.worker: Worker | None = None
        self.pool = QThreadPool.globalInstance()
        self.extractor: Extractor | None = None
        self.extractor_problem: str | None = None
        self._load_extractor()
        self._build_ui()
        self._build_menus()
        self.setAcceptDrops(True)
        self._update_title()
        self._update_status()
        geometry = self.settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)

    # --- set-up -------------------------------------------------------------------------

    def _load_extractor(self) -> None:
        try:
            self.extractor = Extractor.load(device=self.device)
        except ExtractorError as exc:
            self.extractor, self.extractor_problem = None, str(exc)

    def _build_ui(self) -> None:
        self.model = EvidenceTableModel(self.case)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.UserRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.empty_hint = QLabel()
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignCenter)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(320)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_work)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.status_label)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&New case", QKeySequence.New, self.new_case),
            ("&Open case...", QKeySequence.Open, self.open_case_dialog),
            ("&Save case", QKeySequence.Save, self.save_case),
            ("Save case &as...", QKeySequence.SaveAs, self.save_case_as),
            (None, None, None),
            ("Add &images...", QKeySequence("Ctrl+I"), self.add_images_dialog),
            ("Add &folder...", QKeySequence("Ctrl+Shift+I"), self.add_folder_dialog),
            (None, None, None),
            ("&Quit", QKeySequence.Quit, self.close),
        ):
            if text is None:
                file_menu.addSeparator()
                continue
            action = QAction(text, self)
            action.setShortcut(shortcut)
            action.triggered.connect(slot)
            file_menu.addAction(action)

    # --- status -------------------------------------------------------------------------

    def _update_title(self) -> None:
        name = self.case_path.name if self.case_path else "Untitled case"
        self.setWindowTitle(f"{name}[*] - {APP_TITLE}")
        self.setWindowModified(self.dirty)

    def _update_status(self) -> None:
        if self.extractor is None:
            self.status_label.setText("No extractor weights: fingerprints unavailable")
            self.empty_hint.setText(f"<b>The fingerprint extractor could not be loaded.</b><br>{self.extractor_problem}")
        else:
            self.status_label.setText(f"Device {self.extractor.device.type} | extractor {self.extractor.extractor_id}")
            self.empty_hint.setText(
                "Drop images or folders here, or use File > Add images. Each image is hashed, "
                "fingerprinted and grouped with images of likely common source."
            )
        self.empty_hint.setVisible(not self.case.items)

    def _mark_dirty(self) -> None:
        self.dirty = True
        self._update_title()

    # --- adding evidence ----------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def add_images_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", self._last_folder())
        if files:
            self.add_paths(files)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder", self._last_folder())
        if folder:
            self.add_paths([folder])

    def _last_folder(self) -> str:
        return str(self.settings.value("paths/last_folder", str(Path.home())))

    def add_paths(self, paths: list[str]) -> bool:
        """Fingerprint the files (folders recursively) in a worker; False if busy or impossible."""
        if self.worker is not None:
            self.statusBar().showMessage("Busy: wait for the current job or cancel it", 5000)
            return False
        if self.extractor is None:
            QMessageBox.warning(self, APP_TITLE, self.extractor_problem or "No extractor")
            return False
        self.settings.setValue("paths/last_folder", str(Path(paths[0]).parent))
        files = iter_image_files(paths)
        if not files:
            self.statusBar().showMessage("No image files found there", 5000)
            return False
        extractor = self.extractor

        def job(progress, cancel):
            from forensics_app.core.pipeline import fingerprint_files

            return list(fingerprint_files(extractor, files, progress=progress, cancel=cancel))

        self._start(job, self._intake_done, f"Fingerprinting {len(files)} file(s)")
        return True

    def _intake_done(self, results) -> None:
        added = skipped = 0
        for result in results:
            if result.sha256 and self.case.has_sha256(result.sha256):
                skipped += 1
                continue
            item = CaseItem(
                exhibit=self.case.next_exhibit(), path=str(result.path), error=result.error,
                embedding=result.embedding, padded=result.padded,
                evidence=result.evidence.metadata_dict() if result.evidence else None,
            )
            self.case.items.append(item)
            self.case.log("intake" if item.error is None else "rejected", item.sha256, f"{item.exhibit} {item.path}")
            added += 1
        self._refresh_analysis()
        self.model.refresh()
        self._update_status()
        if added:
            self._mark_dirty()
        message = f"{added} file(s) added"
        if skipped:
            message += f", {skipped} already in the case (same SHA-256) skipped"
        self.statusBar().showMessage(message, 8000)

    def _refresh_analysis(self) -> None:
        """Re-cluster every fingerprinted item (fast for a case of a few thousand images)."""
        from forensics_app.core.analysis import cluster

        fingerprinted = [item for item in self.case.items if item.embedding is not None]
        if not fingerprinted or self.extractor is None:
            return
        labels = cluster(np.stack([i.embedding for i in fingerprinted]), self.extractor.card.calibration.threshold)
        for item, label in zip(fingerprinted, labels):
            item.cluster = int(label)
        self.analysis_finished.emit()

    # --- workers ------------------------------------------------------------------------

    def _start(self, job, on_result, label: str) -> None:
        self.worker = Worker(job)
        self.worker.signals.progress.connect(self._on_progress)
        self.worker.signals.result.connect(on_result)
        self.worker.signals.error.connect(lambda message: QMessageBox.critical(self, APP_TITLE, message))
        self.worker.signals.finished.connect(self._work_finished)
        self.progress.setRange(0, 0)
        self.progress.setFormat(label)
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage(label)
        self.pool.start(self.worker)

    def _on_progress(self, done: int, total: int, remaining: float) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            eta = f", about {remaining:.0f} s left" if remaining >= 0 else ""
            self.progress.setFormat(f"%v / %m{eta}")

    def _work_finished(self) -> None:
        self.worker = None
        self.progress.hide()
        self.cancel_button.hide()

    def cancel_work(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.statusBar().showMessage("Cancelling: finished files are kept", 5000)

    # --- cases --------------------------------------------------------------------------

    def _confirm_discard(self) -> bool:
        if not self.dirty:
            return True
        answer = QMessageBox.question(self, APP_TITLE, "The case has unsaved changes. Discard them?",
                                      QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Discard

    def new_case(self) -> None:
        if self._confirm_discard():
            self._set_case(Case(), None)

    def _set_case(self, case: Case, path: Path | None) -> None:
        self.case, self.case_path, self.dirty = case, path, False
        self.model.set_case(case)
        self._update_title()
        self._update_status()

    def open_case_dialog(self) -> None:
        if not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open case", self._last_folder(), "Cases (*.fcase);;All files (*)")
        if path:
            self.open_case(Path(path))

    def open_case(self, path: Path) -> bool:
        try:
            case = load_case(path)
        except CaseError as exc:
            QMessageBox.critical(self, APP_TITLE, str(exc))
            return False
        self._set_case(case, Path(path))
        return True

    def save_case(self) -> bool:
        if self.case_path is None:
            return self.save_case_as()
        return self.write_case(self.case_path)

    def save_case_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save case", self._last_folder(), "Cases (*.fcase)")
        if not path:
            return False
        if not path.endswith(".fcase"):
            path += ".fcase"
        return self.write_case(Path(path))

    def write_case(self, path: Path) -> bool:
        if self.extractor is not None:
            self.case.extractor = {"id": self.extractor.extractor_id, "sha256": self.extractor.card.sha256}
        try:
            self.case.save(path)
        except CaseError as exc:
            QMessageBox.critical(self, APP_TITLE, str(exc))
            return False
        self.case_path, self.dirty = Path(path), False
        self._update_title()
        return True

    def closeEvent(self, event) -> None:
        if self.worker is not None:
            self.worker.cancel()
        if not self._confirm_discard():
            event.ignore()
            return
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.pool.waitForDone(5000)
        event.accept()
