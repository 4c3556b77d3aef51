"""The main window: evidence table, selected-image views, map, library.

The window lays out the panes and wires them to one another; each concern it offers
lives in its own module: the case's files (`case_files`), intake and analysis
(`analysis_runner`), the settings (`settings_actions`), exports and the report
(`report_export`), the library's buttons (`library_actions`) and the running job
(`job_status`).  Long work runs as jobs in one `JobQueue`; pictures come from
`PreviewStore`.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QItemSelection, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QSplitter, QStyle, QToolBar, QVBoxLayout, QWidget

from forensics_app.core.decision.attribution import DecisionPolicy
from forensics_app.core.case import Case, CaseItem
from forensics_app.core.fingerprint.extractor import Extractor, ModelCard
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.library import Reference
from forensics_app.gui.analysis_runner import POLICY_STAGES, AnalysisRunner, is_foreign
from forensics_app.gui.case_files import CaseFiles
from forensics_app.gui.evidence_model import EvidenceTableModel
from forensics_app.gui.evidence_pane import EMPTY_TEXT, EvidencePane
from forensics_app.gui.exports import app_versions, report_module_available
from forensics_app.gui.inspector import Inspector
from forensics_app.gui.job_status import APP_TITLE, JobStatus
from forensics_app.gui.library_actions import LibraryActions
from forensics_app.gui.map_pane import MapPane
from forensics_app.gui.plain_messages import as_shown
from forensics_app.gui.preferences import TABLE_HEADER_KEY, Preferences, load_preferences
from forensics_app.gui.previews import PreviewStore
from forensics_app.gui.report_export import ReportExport
from forensics_app.gui.settings_actions import SettingsActions, policy_status
from forensics_app.gui.widgets.dialogs import AboutDialog
from forensics_app.gui.widgets.elided_label import ElidedLabel
from forensics_app.gui.widgets.icons import app_icon
from forensics_app.gui.widgets.library_panel import LibraryPanel
from forensics_app.gui.widgets.map_view import MapView
from forensics_app.gui.workers import JobQueue, Worker
from forensics_app.workflows.analyse import STAGES
from forensics_app.workflows.intake import fingerprinted

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
    """One case at a time; every long job goes through the window's `JobQueue`."""

    analysis_finished = Signal()

    def __init__(self, device: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.preferences: Preferences = load_preferences(self.settings)
        self.device_override = device if device not in (None, "") else None
        self.case_path: Path | None = None
        self.dirty = False
        self.jobs = JobQueue(parent=self)
        self.extractor: Extractor | None = None
        self.card: ModelCard | None = None  # as shipped, before the crops setting is applied
        self.extractor_problem: str | None = None
        self.settings_actions = SettingsActions(self)
        self.settings_actions.load_extractor()
        self.case_files = CaseFiles(self)
        self.case: Case = self.case_files.blank_case()
        self.previews = PreviewStore(self.card.preprocess if self.card else PreprocessConfig(), parent=self)
        self.runner = AnalysisRunner(self)
        self.runner.finished.connect(self.analysis_finished)
        self.exports = ReportExport(self)
        self._build_ui()
        self._build_actions()
        self._build_menus()
        self.library = LibraryActions(self, self.library_panel, self.jobs, self.settings,
                                      self.selected_references, self.audit)
        self.library.changed.connect(self._library_changed)
        self.library.names_changed.connect(self.inspector.spectrum.set_generators)
        self.library.open(self.extractor)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._restore_layout()
        self.update_title()
        self.update_status()

    # --- set-up -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.model = EvidenceTableModel(self.case, self.previews.thumbnails.get)
        self.previews.thumbnail_ready.connect(self.model.thumbnail_changed)
        self.evidence = EvidencePane(self.model, self.add_images_dialog, self.add_folder_dialog)
        self.table, self.proxy, self.filter = self.evidence.table, self.evidence.proxy, self.evidence.filter
        self.empty_hint = self.evidence.empty_hint
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.map_view = MapView()
        self.map_pane = MapPane(self.map_view, lambda: self.case, self.selected_items, self.select_item, self)
        self.inspector = Inspector(self.previews, lambda: self.case, self._reference_paths,
                                   lambda: self.runner.attribution_note, parent=self)
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
        self.progress, self.cancel_button = self.job_status.bar, self.job_status.cancel_button
        # elided to the room left beside a running job, whole in their tooltips; shown as written
        self.policy_label, self.device_label, self.extractor_label, self.library_label = (ElidedLabel() for _ in range(4))
        for widget in (self.policy_label, self.device_label, self.extractor_label, self.library_label):
            self.statusBar().addPermanentWidget(widget)
        self.jobs.idle.connect(self.update_status)

    def _action(self, text: str, slot, shortcut=None, icon: QStyle.StandardPixmap | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_actions(self) -> None:
        S, files, runner = QStyle.StandardPixmap, self.case_files, self.runner
        self.actions_by_name = a = {
            "new": self._action("&New case", files.new_case, QKeySequence.New, S.SP_FileDialogNewFolder),
            "open": self._action("&Open case...", files.open_case_dialog, QKeySequence.Open, S.SP_DialogOpenButton),
            "save": self._action("&Save case", files.save_case, QKeySequence.Save, S.SP_DialogSaveButton),
            "save_as": self._action("Save case &as...", files.save_case_as, QKeySequence("Ctrl+Shift+S")),
            "details": self._action("Case &details...", files.edit_details),
            "add_images": self._action("Add &images...", self.add_images_dialog, "Ctrl+I", S.SP_FileIcon,
                                       "Add image files to the case"),
            "add_folder": self._action("Add &folder...", self.add_folder_dialog, "Ctrl+Shift+I", S.SP_DirOpenIcon,
                                       "Add every image in a folder and its subfolders"),
            "csv": self._action("Export table as &CSV...", self.export_csv, "Ctrl+Shift+X"),
            "report": self._action("Export &report (PDF)...", self.export_report, "Ctrl+R", S.SP_FileDialogDetailedView,
                                   "Write the evidence report of this case"),
            "quit": self._action("&Quit", self.close, QKeySequence.Quit),
            "copy_hashes": self._action("Copy &SHA-256 of selected images", self.copy_hashes, "Ctrl+Shift+C"),
            "remove": self._action("&Remove selected exhibits from the case...", files.remove_selected, QKeySequence.Delete),
            "note": self._action("&Note on the selected exhibit...", files.edit_note, "Ctrl+E"),
            "filter": self._action("&Filter rows", self.filter.setFocus, QKeySequence.Find),
            "settings": self._action("Se&ttings...", self.settings_actions.edit, "Ctrl+,"),
            "cancel": self._action("&Cancel running job", self.cancel_work, "Esc", S.SP_BrowserStop),
            "rerun": self._action("&Re-run analysis", runner.rerun, "F5", S.SP_BrowserReload,
                                  "Rank, group and map all images again"),
            "refingerprint": self._action("Re-&fingerprint all images", runner.refingerprint),
            "enrol_selection": self._action("&Enrol selected images as a generator...",
                                            lambda: self.library.enrol_from_selection(), "Ctrl+Shift+E"),
            "enrol_folder": self._action("Enrol generator from &folder...", lambda: self.library.enrol_from_folder()),
            "about": self._action("&About", self.show_about, "F1"),
        }
        a["report"].setEnabled(report_module_available())
        if not a["report"].isEnabled():
            a["report"].setStatusTip("The report module is not installed in this build")
        a["cancel"].setEnabled(False)
        a["cancel"].setIconText("Cancel")
        self.job_status.running.connect(a["cancel"].setEnabled)
        for name in ("copy_hashes", "note", "enrol_selection", "remove"):
            self.table.addAction(a[name])

    def _build_menus(self) -> None:
        a = self.actions_by_name
        file_menu = self.menuBar().addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(a[name])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(lambda: self.case_files.fill_recent_menu(self.recent_menu))
        for name in ("save", "save_as", None, "details", None, "add_images", "add_folder", None, "csv", "report",
                     None, "quit"):
            file_menu.addSeparator() if name is None else file_menu.addAction(a[name])
        edit_menu = self.menuBar().addMenu("&Edit")
        for name in ("copy_hashes", "filter", "note", "remove", None, "settings"):
            edit_menu.addSeparator() if name is None else edit_menu.addAction(a[name])
        analysis_menu = self.menuBar().addMenu("&Analysis")
        for name in ("rerun", "refingerprint", "cancel", None, "enrol_selection", "enrol_folder"):
            analysis_menu.addSeparator() if name is None else analysis_menu.addAction(a[name])
        self.menuBar().addMenu("&Help").addAction(a["about"])
        toolbar = QToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        for name in ("open", "save", None, "add_images", "add_folder", None, "rerun", "cancel", None, "report"):
            toolbar.addSeparator() if name is None else toolbar.addAction(a[name])
        self.addToolBar(toolbar)
        self.case_files.fill_recent_menu(self.recent_menu)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        for name, splitter in self.splitters.items():
            state = self.settings.value(f"main_window/splitter_{name}")
            if state is not None:
                splitter.restoreState(state)
        header = self.settings.value(TABLE_HEADER_KEY)
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        self.map_view.set_colour_mode(str(self.settings.value("main_window/map_colour", "cluster")))

    def _save_layout(self) -> None:
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        for name, splitter in self.splitters.items():
            self.settings.setValue(f"main_window/splitter_{name}", splitter.saveState())
        self.settings.setValue(TABLE_HEADER_KEY, self.table.horizontalHeader().saveState())
        self.settings.setValue("main_window/map_colour", self.map_view.colour_mode())
        self.settings.sync()

    # --- the open case and what the window says of it -----------------------------------------

    def set_case(self, case: Case, path: Path | None) -> None:
        """Show `case` in every pane; the jobs of the case before it are cancelled."""
        self.jobs.cancel()
        self.case, self.case_path, self.dirty = case, path, False
        self.statusBar().clearMessage()
        self.model.set_case(case)
        self.runner.case_opened(case)
        self.inspector.show(None)
        self.previews.clear()
        self.previews.scan([(i.sha256, i.path) for i in case.items if i.sha256 and not i.error])
        self.map_pane.show_case(fingerprinted(case))
        self.update_title()
        self.update_status()

    @property
    def policy(self) -> DecisionPolicy | None:
        """The decision policy the open case's results were decided by (None before any)."""
        return self.runner.policy

    @property
    def map_items(self) -> list[CaseItem]:
        return self.map_pane.items

    @property
    def worker(self) -> Worker | None:
        """The running job's worker; None when the window is idle."""
        return self.jobs.current

    def update_title(self) -> None:
        name = self.case_path.name if self.case_path else "Untitled case"
        reference = f" ({self.case.reference})" if self.case.reference else ""
        self.setWindowTitle(f"{name}{reference}[*] - {APP_TITLE}")
        self.setWindowModified(self.dirty)

    def update_status(self) -> None:
        if self.extractor is None:
            self.device_label.setText("")
            self.extractor_label.setText("No extractor weights: fingerprints unavailable")
            self.empty_hint.setText("<b>The fingerprint extractor could not be loaded.</b><br>"
                                    + html.escape(str(self.extractor_problem)))
        else:
            device = self.extractor.device.type.upper().replace("CUDA", "GPU (CUDA)")
            self.device_label.setText(f"Device: {device}")
            self.extractor_label.setText(f"Extractor {self.extractor.extractor_id} "
                                         f"({self.preferences.crops} crop{'s' if self.preferences.crops > 1 else ''})")
            self.empty_hint.setText(EMPTY_TEXT)
        text, tip = policy_status(self.policy, self.preferences.naming_lr)
        self.policy_label.setText(text)
        self.policy_label.setToolTip(as_shown(tip))
        self.library_label.setText(self.library.summary if hasattr(self, "library") else "")
        self.evidence.show_table(bool(self.case.items))

    def mark_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            self.update_title()

    def audit(self, action: str, detail: str, sha256: str | None = None) -> None:
        self.case.log(action, sha256, detail)
        self.mark_dirty()

    def last_folder(self) -> str:
        return str(self.settings.value("paths/last_folder", str(Path.home())))

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
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", self.last_folder(), IMAGE_FILTER)
        if files:
            self.add_paths(files)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder", self.last_folder())
        if folder:
            self.add_paths([folder])

    # --- what the window offers, each done by its own module -------------------------------------

    def add_paths(self, paths: list[str]) -> bool:
        return self.runner.add_paths(paths)

    def schedule_analysis(self, stages: tuple[str, ...] = STAGES) -> bool:
        return self.runner.schedule_analysis(stages)

    def new_case(self) -> None:
        self.case_files.new_case()

    def open_case(self, path: Path, confirmed: bool = False) -> bool:
        return self.case_files.open_case(path, confirmed)

    def write_case(self, path: Path) -> bool:
        return self.case_files.write_case(path)

    def copy_hashes(self) -> None:
        self.exports.copy_hashes()

    def export_csv(self) -> None:
        self.exports.export_csv()

    def export_report(self) -> None:
        self.exports.export_report()

    def apply_preferences(self, chosen: Preferences) -> None:
        self.settings_actions.apply(chosen)

    def cancel_work(self) -> None:
        self.job_status.cancel()

    def show_about(self) -> None:
        AboutDialog(self, app_versions(self.extractor), self.card.to_dict() if self.card else None,
                    self.extractor_problem or "").exec()

    # --- selection ----------------------------------------------------------------------

    def selected_items(self) -> list[CaseItem]:
        return self.evidence.selected_items()

    def current_item(self) -> CaseItem | None:
        return self.evidence.current_item()

    def select_item(self, item: CaseItem) -> None:
        self.evidence.select_item(item)

    def selected_references(self) -> list[Reference]:
        """The selected fingerprinted images as library references (for enrolment)."""
        if is_foreign(self.case, self.extractor):
            return []
        return [(i.sha256, i.path, i.embedding) for i in self.selected_items() if i.embedding is not None and i.sha256]

    def _on_current_changed(self, current, previous) -> None:
        self.inspector.show(self.current_item())

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
        self._save_layout()
        self.jobs.wait(10_000)
        self.previews.stop()
        self.library.close()
        event.accept()
