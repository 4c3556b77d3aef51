"""The main window: evidence table, selected-image views, map, library.

The window lays out the panes and hands each concern to its own module, every one of
which takes the Qt-free session (`workflows.session.Session`: the open case and what it
is analysed with) and the job queue, never the window: the case's files (`case_files`),
intake and analysis (`analysis_runner`), the settings (`settings_actions`), exports and
the report (`report_export`), the library's buttons (`library_actions`) and the running
job (`job_status`).  The panes follow the session's events (`session_view`); long work
runs as jobs in one `JobQueue`; pictures come from `PreviewStore`.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QSettings, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from forensics_app.core.case import CaseItem
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.library import Reference
from forensics_app.gui.analysis_runner import POLICY_STAGES, AnalysisRunner
from forensics_app.gui.case_files import CaseFiles
from forensics_app.gui.evidence_model import EvidenceTableModel
from forensics_app.gui.evidence_pane import EMPTY_TEXT, EvidencePane
from forensics_app.gui.exports import app_versions
from forensics_app.gui.inspector import Inspector
from forensics_app.gui.job_status import APP_TITLE, JobStatus
from forensics_app.gui.library_actions import LibraryActions
from forensics_app.gui.map_pane import MapPane
from forensics_app.gui.plain_messages import as_shown
from forensics_app.gui.preferences import last_folder, remember_folder
from forensics_app.gui.previews import PreviewStore
from forensics_app.gui.report_export import ReportExport
from forensics_app.gui.session_view import Panes, watch_session
from forensics_app.gui.settings_actions import SettingsActions, policy_status
from forensics_app.gui.widgets.dialogs import AboutDialog
from forensics_app.gui.widgets.elided_label import ElidedLabel
from forensics_app.gui.widgets.icons import app_icon
from forensics_app.gui.widgets.library_panel import LibraryPanel
from forensics_app.gui.widgets.map_view import MapView
from forensics_app.gui.window_actions import build_actions, build_menus
from forensics_app.gui.window_layout import restore_layout, save_layout
from forensics_app.gui.workers import JobQueue
from forensics_app.workflows.session import Session

SPLITTERS = ("main", "left", "right")
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff);;All files (*)"


def pane(title: str, widget: QWidget) -> QWidget:
    """A pane with a small bold title above its content."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 4, 2, 0)
    layout.setSpacing(2)
    layout.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
    layout.addWidget(widget, 1)
    return box


class MainWindow(QMainWindow):
    """One case at a time, held by `session`; every long job goes through `jobs`."""

    analysis_finished = Signal()

    def __init__(self, device: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.jobs = JobQueue(parent=self)
        self.session = session = Session()
        self.settings_actions = SettingsActions(session, self.settings, self, device)
        self.settings_actions.load_extractor()
        session.open(session.blank_case())
        self.previews = PreviewStore(session.card.preprocess if session.card else PreprocessConfig(), parent=self)
        self._build_ui()
        recorded = self.settings_actions.session_settings
        self.runner = AnalysisRunner(session, self.jobs, self.previews, recorded, self)
        self.case_files = CaseFiles(session, self.settings, self, self.selected_items, recorded)
        self.exports = ReportExport(session, self.jobs, self.settings, self, self.selected_items, recorded)
        self.library = LibraryActions(self, self.library_panel, self.jobs, self.settings, self.selected_references,
                                      session.audit)
        self._connect()
        self.actions_by_name = build_actions(self, self._slots(), self.table)
        self.job_status.running.connect(self.actions_by_name["cancel"].setEnabled)
        self.recent_menu = build_menus(self, self.actions_by_name, self.case_files.fill_recent_menu)
        watch_session(session, Panes(self.model, self.inspector, self.map_pane, self.previews, self.jobs,
                                     self.statusBar(), self.current_item, self.update_title, self.update_status))
        self.library.open(session.extractor)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        restore_layout(self.settings, self, self.splitters, self.table.horizontalHeader(), self.map_view)
        self.update_title()
        self.update_status()

    # --- set-up -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.model = EvidenceTableModel(self.session.case, self.previews.thumbnails.get)
        self.previews.thumbnail_ready.connect(self.model.thumbnail_changed)
        self.evidence = EvidencePane(self.model, self.add_images_dialog, self.add_folder_dialog)
        self.table, self.proxy, self.empty_hint = self.evidence.table, self.evidence.proxy, self.evidence.empty_hint
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.inspector.show(self.current_item()))
        self.map_view = MapView()
        self.map_pane = MapPane(self.map_view, lambda: self.session.case, self.selected_items,
                                self.evidence.select_item, self)
        self.inspector = Inspector(self.previews, lambda: self.session.case, self._reference_paths,
                                   lambda: self.session.attribution_note, parent=self)
        self.library_panel = LibraryPanel()

        self.splitters = {name: QSplitter(Qt.Horizontal if name == "main" else Qt.Vertical) for name in SPLITTERS}
        left, right, main = self.splitters["left"], self.splitters["right"], self.splitters["main"]
        left.addWidget(pane("Evidence", self.evidence))
        left.addWidget(pane("Map of all fingerprints", self.map_view))
        right.addWidget(pane("Selected image", self.inspector.tabs))
        right.addWidget(pane("Ranked matches", self.inspector.matches))
        right.addWidget(pane("Library of enrolled generators", self.library_panel))
        main.addWidget(left)
        main.addWidget(right)
        left.setSizes([580, 320])
        right.setSizes([440, 220, 240])
        main.setSizes([940, 660])
        for splitter in self.splitters.values():
            splitter.setChildrenCollapsible(False)
        self.setCentralWidget(main)

        self.job_status = JobStatus(self, self.jobs)
        # elided to the room left beside a running job, whole in their tooltips; shown as written
        self.policy_label, self.device_label, self.extractor_label, self.library_label = (ElidedLabel() for _ in range(4))
        for widget in (self.policy_label, self.device_label, self.extractor_label, self.library_label):
            self.statusBar().addPermanentWidget(widget)
        self.jobs.idle.connect(self.update_status)

    def _connect(self) -> None:
        """The controllers' signals out, each to what it asks for."""
        self.runner.finished.connect(self.analysis_finished)
        self.runner.fingerprinting.connect(self.map_pane.expect_points)
        self.case_files.analysis_wanted.connect(self.runner.schedule_analysis)
        self.settings_actions.analysis_wanted.connect(self.runner.schedule_analysis)
        self.settings_actions.extractor_changed.connect(lambda extractor: setattr(self.library, "extractor", extractor))
        self.settings_actions.changed.connect(self.update_status)
        self.library.opened.connect(lambda library: setattr(self.session, "library", library))
        self.library.changed.connect(self._library_changed)
        self.library.names_changed.connect(self.inspector.spectrum.set_generators)

    def _slots(self) -> dict[str, Callable[[], object]]:
        """What each action of `window_actions.ACTIONS` does."""
        files, runner, exports, library = self.case_files, self.runner, self.exports, self.library
        return {"new": files.new_case, "open": files.open_case_dialog, "save": files.save_case,
                "save_as": files.save_case_as, "details": files.edit_details, "add_images": self.add_images_dialog,
                "add_folder": self.add_folder_dialog, "csv": exports.export_csv, "report": exports.export_report,
                "quit": self.close, "copy_hashes": exports.copy_hashes, "remove": files.remove_selected,
                "note": files.edit_note, "filter": self.evidence.filter.setFocus, "settings": self.settings_actions.edit,
                "cancel": self.job_status.cancel, "rerun": runner.rerun, "refingerprint": runner.refingerprint,
                "enrol_selection": library.enrol_from_selection, "enrol_folder": library.enrol_from_folder,
                "about": self.show_about}

    # --- what the window says of the open case ------------------------------------------------

    def update_title(self) -> None:
        session = self.session
        name = session.path.name if session.path else "Untitled case"
        reference = f" ({session.case.reference})" if session.case.reference else ""
        self.setWindowTitle(f"{name}{reference}[*] - {APP_TITLE}")
        self.setWindowModified(session.dirty)

    def update_status(self) -> None:
        extractor, preferences = self.session.extractor, self.settings_actions.preferences
        if extractor is None:
            self.device_label.setText("")
            self.extractor_label.setText("No extractor weights: fingerprints unavailable")
            self.empty_hint.setText("<b>The fingerprint extractor could not be loaded.</b><br>"
                                    + html.escape(str(self.session.extractor_problem)))
        else:
            device = extractor.device.type.upper().replace("CUDA", "GPU (CUDA)")
            self.device_label.setText(f"Device: {device}")
            self.extractor_label.setText(f"Extractor {extractor.extractor_id} "
                                         f"({preferences.crops} crop{'s' if preferences.crops > 1 else ''})")
            self.empty_hint.setText(EMPTY_TEXT)
        text, tip = policy_status(self.session.policy, preferences.naming_lr)
        self.policy_label.setText(text)
        self.policy_label.setToolTip(as_shown(tip))
        self.library_label.setText(self.library.summary if hasattr(self, "library") else "")
        self.evidence.show_table(bool(self.session.case.items))

    # --- adding evidence ----------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    def add_images_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", last_folder(self.settings), IMAGE_FILTER)
        if files:
            self.add_paths(files)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder", last_folder(self.settings))
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths: list[str]) -> bool:
        """Dropped or chosen files into the case; the next dialog starts where they were."""
        remember_folder(self.settings, paths[0])
        return self.runner.add_paths(paths)

    def show_about(self) -> None:
        card = self.session.card
        AboutDialog(self, app_versions(self.session.extractor), card.to_dict() if card else None,
                    self.session.extractor_problem or "").exec()

    # --- selection ----------------------------------------------------------------------

    def selected_items(self) -> list[CaseItem]:
        return self.evidence.selected_items()

    def current_item(self) -> CaseItem | None:
        return self.evidence.current_item()

    def select_item(self, item: CaseItem) -> None:
        self.evidence.select_item(item)

    def selected_references(self) -> list[Reference]:
        """The selected fingerprinted images as library references (for enrolment)."""
        if self.session.foreign:
            return []
        return [(i.sha256, i.path, i.embedding) for i in self.selected_items() if i.embedding is not None and i.sha256]

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.library_panel.set_selection_count(len(self.selected_references()))
        self.map_pane.highlight()
        if not self.table.currentIndex().isValid():
            self.inspector.show(self.current_item())

    def _reference_paths(self, name: str) -> list[tuple[str, str]]:
        if self.library.library is None:
            raise ValueError("the library is not open")
        return self.library.library.reference_paths(name)

    def _library_changed(self) -> None:
        """The generators changed: what the policy decides is decided again."""
        self.update_status()
        self.inspector.spectrum.set_generators([g.name for g in self.library.generators])
        self.previews.forget_averages("generator:")
        self.runner.schedule_analysis(POLICY_STAGES)

    # --- closing ------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self.case_files.confirm_discard():
            event.ignore()
            return
        save_layout(self.settings, self, self.splitters, self.table.horizontalHeader(), self.map_view)
        self.jobs.wait(10_000)
        self.previews.stop()
        self.library.close()
        event.accept()
