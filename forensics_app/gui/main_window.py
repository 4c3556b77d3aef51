"""The main window: evidence table, selected-image views, map, library; case files.

The window composes the panes and routes data between them; the work itself runs as
jobs in `JobQueue` (see `tasks`), pictures come from `PreviewStore`, the library's
buttons are handled by `LibraryActions`.  Every job's handler checks that the case it
was started for is still the open one, so opening another case mid-job loses nothing
and mixes nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, QSize, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.case import CASE_SUFFIX, Case, CaseError, CaseItem, extractor_stamp, load_case
from forensics_app.core.fingerprint.extractor import Extractor, ExtractorError, ModelCard
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.library import Reference
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.gui import tasks
from forensics_app.gui.evidence_model import COLUMN, EvidenceTableModel, best_match
from forensics_app.gui.exports import app_versions, report_module_available, write_table_csv
from forensics_app.gui.inspector import Inspector
from forensics_app.gui.library_actions import LibraryActions
from forensics_app.gui.preferences import (
    Preferences,
    forget_case,
    load_preferences,
    recent_cases,
    remember_case,
    save_preferences,
    torch_device,
)
from forensics_app.gui.previews import PreviewStore
from forensics_app.gui.widgets.dialogs import AboutDialog, CaseDetailsDialog, SettingsDialog
from forensics_app.gui.widgets.icons import app_icon
from forensics_app.gui.widgets.library_panel import LibraryPanel
from forensics_app.gui.widgets.map_view import MapView
from forensics_app.gui.workers import Job, JobQueue, Worker, error_text, remaining_text

APP_TITLE = "Forensics App"
CASE_FILTER = f"Cases (*{CASE_SUFFIX});;All files (*)"
SPLITTERS = ("main", "left", "right")
EMPTY_TEXT = ("<h2>Drop images or folders here</h2><p>or use <b>File &gt; Add images</b> (Ctrl+I) and "
              "<b>Add folder</b> (Ctrl+Shift+I). Each image is hashed, fingerprinted, grouped with images "
              "of likely common source and ranked against the enrolled generators.</p>")


def pane(title: str, widget: QWidget) -> QWidget:
    """A pane with a small bold title above its content."""
    box = QWidget()
    label = QLabel(f"<b>{title}</b>")
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 4, 2, 0)
    layout.setSpacing(2)
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box


class MainWindow(QMainWindow):
    """One case at a time; every long job goes through the window's `JobQueue`."""

    analysis_finished = Signal()

    def __init__(self, device: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.preferences = load_preferences(self.settings)
        self.device_override = device if device not in (None, "") else None
        self.case = Case()
        self.case_path: Path | None = None
        self.dirty = False
        self.map_items: list[CaseItem] = []
        self.attribution_note = ""
        self.jobs = JobQueue(parent=self)
        self.extractor: Extractor | None = None
        self.card: ModelCard | None = None  # as shipped, before the crops setting is applied
        self.extractor_problem: str | None = None
        self._load_extractor()
        self.previews = PreviewStore(self.card.preprocess if self.card else PreprocessConfig(), parent=self)
        self._scan_buffer: list[CaseItem] = []
        self._scan_timer = QTimer(self, singleShot=True, interval=300)
        self._scan_timer.timeout.connect(self._flush_scan)
        self._build_ui()
        self._build_actions()
        self._build_menus()
        self.library = LibraryActions(self, self.library_panel, self.jobs, self.settings,
                                      self.selected_references, self._audit)
        self.library.changed.connect(self._library_changed)
        self.library.names_changed.connect(self.inspector.spectrum.set_generators)
        self.library.open(self.extractor)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._restore_layout()
        self._update_title()
        self._update_status()

    # --- set-up -------------------------------------------------------------------------

    def _load_extractor(self) -> bool:
        """Load the weights on the preferred (or overriding) device; False, with the reason
        in `extractor_problem`, when that fails."""
        device = self.device_override or torch_device(self.preferences.device)
        try:
            extractor = Extractor.load(device=device)
        except ExtractorError as exc:
            self.extractor_problem = str(exc)
            return False
        self.card = extractor.card
        self.extractor, self.extractor_problem = extractor, None
        self._apply_crops()
        return True

    def _apply_crops(self) -> None:
        """Crops per image is a preprocessing parameter: new fingerprints use the setting."""
        if self.extractor is not None and self.card is not None:
            grid = 3 if self.preferences.crops == 9 else 1
            preprocess = dataclasses.replace(self.card.preprocess, grid=grid)
            self.extractor.card = dataclasses.replace(self.card, preprocess=preprocess)

    @property
    def threshold(self) -> float:
        card = self.card.calibration.threshold if self.card else 0.5
        return self.preferences.threshold_or(card)

    @property
    def worker(self) -> Worker | None:
        """The running job's worker; None when the window is idle."""
        return self.jobs.current

    def _build_ui(self) -> None:
        style = self.style()
        self.model = EvidenceTableModel(self.case, self.previews.thumbnails.get)
        self.previews.thumbnail_ready.connect(self.model.thumbnail_changed)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.UserRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMN["Exhibit"], Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setIconSize(QSize(44, 44))
        self.table.verticalHeader().setDefaultSectionSize(50)
        self.table.verticalHeader().hide()
        # the file name takes the slack, so every column fits whenever the pane allows
        self.table.horizontalHeader().setSectionResizeMode(COLUMN["File"], QHeaderView.Stretch)
        self.table.setContextMenuPolicy(Qt.ActionsContextMenu)
        for column, width in (("Exhibit", 58), ("SHA-256", 130), ("Size", 72), ("Format", 52), ("Status", 100),
                              ("Best match", 110), ("Score", 50), ("Decision", 105), ("Cluster", 55)):
            self.table.setColumnWidth(COLUMN[column], width)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter rows by file name, hash, match, status...")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAcceptDrops(False)  # a file dropped here is evidence, not filter text
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)

        self.empty_hint = QLabel(EMPTY_TEXT)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignCenter)
        self.empty_hint.setTextFormat(Qt.RichText)
        self.empty_add_images = QPushButton(style.standardIcon(QStyle.SP_FileIcon), "Add images...")
        self.empty_add_folder = QPushButton(style.standardIcon(QStyle.SP_DirOpenIcon), "Add folder...")
        self.empty_add_images.clicked.connect(self.add_images_dialog)
        self.empty_add_folder.clicked.connect(self.add_folder_dialog)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.empty_add_images)
        buttons.addWidget(self.empty_add_folder)
        buttons.addStretch(1)
        empty_layout.addLayout(buttons)
        empty_layout.addStretch(2)
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.filter)
        table_layout.addWidget(self.table, 1)
        self.table_stack = QStackedWidget()
        self.table_stack.addWidget(empty)
        self.table_stack.addWidget(table_page)

        self.map_view = MapView()
        self.map_view.point_clicked.connect(self._on_map_clicked)
        self.inspector = Inspector(self.previews, lambda: self.case, self._reference_paths,
                                   lambda: self.attribution_note, parent=self)
        self.library_panel = LibraryPanel()

        self.splitters = {name: QSplitter(Qt.Horizontal if name == "main" else Qt.Vertical) for name in SPLITTERS}
        left, right, main = self.splitters["left"], self.splitters["right"], self.splitters["main"]
        left.addWidget(pane("Evidence", self.table_stack))
        left.addWidget(pane("Map of all fingerprints", self.map_view))
        right.addWidget(pane("Selected image", self.inspector.tabs))
        right.addWidget(pane("Ranked matches", self.inspector.matches))
        right.addWidget(pane("Library of enrolled generators", self.library_panel))
        main.addWidget(left)
        main.addWidget(right)
        left.setSizes([520, 380])
        right.setSizes([470, 170, 260])
        main.setSizes([940, 660])
        for splitter in self.splitters.values():
            splitter.setChildrenCollapsible(False)
        self.setCentralWidget(main)

        self.progress = QProgressBar()
        self.progress.setMinimumWidth(280)
        self.progress.setMaximumWidth(420)
        self.progress.hide()
        self.cancel_button = QPushButton(style.standardIcon(QStyle.SP_BrowserStop), "Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc); what is finished is kept")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_work)
        self.device_label, self.extractor_label, self.library_label = QLabel(), QLabel(), QLabel()
        for widget in (self.progress, self.cancel_button, self.device_label, self.extractor_label, self.library_label):
            self.statusBar().addPermanentWidget(widget)
        self.jobs.started.connect(self._job_started)
        self.jobs.progress.connect(self._on_progress)
        self.jobs.idle.connect(self._jobs_idle)
        self.jobs.failed.connect(self._job_failed)

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
        S = QStyle.StandardPixmap
        self.actions_by_name = a = {
            "new": self._action("&New case", self.new_case, QKeySequence.New, S.SP_FileDialogNewFolder),
            "open": self._action("&Open case...", self.open_case_dialog, QKeySequence.Open, S.SP_DialogOpenButton),
            "save": self._action("&Save case", self.save_case, QKeySequence.Save, S.SP_DialogSaveButton),
            "save_as": self._action("Save case &as...", self.save_case_as, QKeySequence("Ctrl+Shift+S")),
            "details": self._action("Case &details...", self.edit_case_details),
            "add_images": self._action("Add &images...", self.add_images_dialog, "Ctrl+I", S.SP_FileIcon,
                                       "Add image files to the case"),
            "add_folder": self._action("Add &folder...", self.add_folder_dialog, "Ctrl+Shift+I", S.SP_DirOpenIcon,
                                       "Add every image in a folder and its subfolders"),
            "csv": self._action("Export table as &CSV...", self.export_csv, "Ctrl+Shift+X"),
            "report": self._action("Export &report (PDF)...", self.export_report, "Ctrl+R", S.SP_FileDialogDetailedView,
                                   "Write the evidence report of this case"),
            "quit": self._action("&Quit", self.close, QKeySequence.Quit),
            "copy_hashes": self._action("Copy &SHA-256 of selected images", self.copy_hashes, "Ctrl+Shift+C"),
            "filter": self._action("&Filter rows", self.filter.setFocus, QKeySequence.Find),
            "settings": self._action("Se&ttings...", self.edit_settings, "Ctrl+,"),
            "cancel": self._action("&Cancel running job", self.cancel_work, "Esc", S.SP_BrowserStop),
            "rerun": self._action("&Re-run analysis", self.rerun_analysis, "F5", S.SP_BrowserReload,
                                  "Rank, cluster and map all images again"),
            "refingerprint": self._action("Re-&fingerprint all images", self.refingerprint),
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
        for name in ("copy_hashes", "enrol_selection"):
            self.table.addAction(a[name])

    def _build_menus(self) -> None:
        a = self.actions_by_name
        file_menu = self.menuBar().addMenu("&File")
        for name in ("new", "open"):
            file_menu.addAction(a[name])
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        for name in ("save", "save_as", None, "details", None, "add_images", "add_folder", None, "csv", "report",
                     None, "quit"):
            file_menu.addSeparator() if name is None else file_menu.addAction(a[name])
        edit_menu = self.menuBar().addMenu("&Edit")
        for name in ("copy_hashes", "filter", None, "settings"):
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
        self._fill_recent_menu()

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
        header = self.settings.value("main_window/table_header")
        if header is not None:
            self.table.horizontalHeader().restoreState(header)
        self.map_view.set_colour_mode(str(self.settings.value("main_window/map_colour", "cluster")))

    def _save_layout(self) -> None:
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        for name, splitter in self.splitters.items():
            self.settings.setValue(f"main_window/splitter_{name}", splitter.saveState())
        self.settings.setValue("main_window/table_header", self.table.horizontalHeader().saveState())
        self.settings.setValue("main_window/map_colour", self.map_view.colour_mode())
        self.settings.sync()

    # --- status -------------------------------------------------------------------------

    def _update_title(self) -> None:
        name = self.case_path.name if self.case_path else "Untitled case"
        reference = f" ({self.case.reference})" if self.case.reference else ""
        self.setWindowTitle(f"{name}{reference}[*] - {APP_TITLE}")
        self.setWindowModified(self.dirty)

    def _update_status(self) -> None:
        if self.extractor is None:
            self.device_label.setText("")
            self.extractor_label.setText("No extractor weights: fingerprints unavailable")
            self.empty_hint.setText(f"<b>The fingerprint extractor could not be loaded.</b><br>{self.extractor_problem}")
        else:
            device = self.extractor.device.type.upper().replace("CUDA", "GPU (CUDA)")
            self.device_label.setText(f"Device: {device}")
            self.extractor_label.setText(f"Extractor {self.extractor.extractor_id} "
                                         f"({self.preferences.crops} crop{'s' if self.preferences.crops > 1 else ''})")
            self.empty_hint.setText(EMPTY_TEXT)
        self.library_label.setText(self.library.summary if hasattr(self, "library") else "")
        self.table_stack.setCurrentIndex(1 if self.case.items else 0)

    def _mark_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            self._update_title()

    def _audit(self, action: str, detail: str, sha256: str | None = None) -> None:
        self.case.log(action, sha256, detail)
        self._mark_dirty()

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
        files, _ = QFileDialog.getOpenFileNames(self, "Add images", self._last_folder(),
                                                "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff);;All files (*)")
        if files:
            self.add_paths(files)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add folder", self._last_folder())
        if folder:
            self.add_paths([folder])

    def _last_folder(self) -> str:
        return str(self.settings.value("paths/last_folder", str(Path.home())))

    def add_paths(self, paths: list[str]) -> bool:
        """Fingerprint the files (folders recursively) in a worker; False if impossible."""
        if self.extractor is None:
            QMessageBox.warning(self, APP_TITLE, self.extractor_problem or "No extractor is loaded.")
            return False
        if self.case.extractor.get("id") not in (None, self.extractor.extractor_id):
            QMessageBox.warning(self, APP_TITLE, self._foreign_case_text())
            return False
        first = Path(paths[0])
        self.settings.setValue("paths/last_folder", str(first if first.is_dir() else first.parent))
        case, counts = self.case, {"added": 0, "skipped": 0}

        def one(result: FileFingerprint) -> None:
            if case is not self.case:
                return
            if self._already_in_case(result):
                counts["skipped"] += 1
                return
            item = CaseItem(exhibit=case.next_exhibit(), path=str(result.path), error=result.error,
                            embedding=result.embedding, padded=result.padded,
                            evidence=result.evidence.metadata_dict() if result.evidence else None)
            self.model.append([item])
            case.log("intake" if item.error is None else "rejected", item.sha256,
                     f"{item.exhibit} {item.path}" + (f": {item.error}" if item.error else ""))
            counts["added"] += 1
            if counts["added"] == 1:
                self.table_stack.setCurrentIndex(1)
                self._mark_dirty()
            if item.sha256 and not item.error:
                self._scan_buffer.append(item)
                self._scan_timer.start()

        def done(found: int) -> None:
            if case is not self.case:
                return
            self._flush_scan()
            cancelled = self.jobs.current is not None and self.jobs.current.cancelled
            if not found:
                QMessageBox.information(self, APP_TITLE, f"No image files were found in {', '.join(paths)}.")
                return
            message = f"{counts['added']} file(s) added"
            if counts["skipped"]:
                message += f", {counts['skipped']} already in the case (same SHA-256) not added again"
            if cancelled:
                message += f"; cancelled after {counts['added'] + counts['skipped']} of {found}"
            self.statusBar().showMessage(message, 10_000)
            if counts["added"]:
                if self.case.extractor.get("id") is None:
                    self.case.extractor = extractor_stamp(self.card)
                self.schedule_analysis()

        self.jobs.submit(Job("Fingerprinting", tasks.intake_job(self.extractor, paths), on_partial=one,
                             on_result=done, on_error=self._job_error))
        return True

    def _already_in_case(self, result: FileFingerprint) -> bool:
        if result.sha256:
            return self.case.has_sha256(result.sha256)
        return any(i.path == str(result.path) and i.error == result.error for i in self.case.items)

    def _flush_scan(self) -> None:
        items, self._scan_buffer = self._scan_buffer, []
        self.previews.scan([(i.sha256, i.path) for i in items])

    # --- analysis -----------------------------------------------------------------------

    def _fingerprinted(self) -> list[CaseItem]:
        return [item for item in self.case.items if item.embedding is not None and not item.error]

    def _foreign_case_text(self) -> str:
        return (f"This case was fingerprinted with extractor {self.case.extractor.get('id')}, but the loaded "
                f"extractor is {self.extractor.extractor_id if self.extractor else 'none'}. Fingerprints of different "
                "weights cannot be compared, so its saved results are shown as they were. Use Analysis > "
                "Re-fingerprint all images to redo it with the current extractor.")

    def schedule_analysis(self, attribute: bool = True, cluster: bool = True, map: bool = True) -> bool:
        """Queue attribution, clustering and/or the map of every fingerprinted image."""
        if self.extractor is None or self.card is None:
            return False
        if self.case.extractor.get("id") not in (None, self.extractor.extractor_id):
            self.statusBar().showMessage(self._foreign_case_text(), 15_000)
            return False
        case, items = self.case, self._fingerprinted()
        embeddings = np.stack([i.embedding for i in items]) if items else np.zeros((0, self.extractor.embedding_dim))
        request = tasks.AnalysisRequest(embeddings, self.card.calibration, self.threshold, self.library.library,
                                        attribute, cluster, map and bool(items), self.preferences.perplexity)

        def stage(result: tasks.AnalysisStage) -> None:
            if case is self.case:
                self._apply_stage(result, items)

        def done(_result) -> None:
            if case is self.case:
                self.analysis_finished.emit()

        self.jobs.submit(Job("Analysing", tasks.analysis_job(request), on_partial=stage, on_result=done,
                             on_error=self._job_error))
        return True

    def _apply_stage(self, stage: tasks.AnalysisStage, items: list[CaseItem]) -> None:
        if stage.name == "attribution":
            self.attribution_note = stage.note and f"Attribution needs enrolled generators: {stage.note}."
            values = stage.value if stage.value is not None else [None] * len(items)
            for item, attribution in zip(items, values):
                item.attribution = attribution
            self.case.library = stage.library or {}
            self._record_settings()
            if stage.value:
                generators = len(stage.value[0]["matches"]) if stage.value else 0
                self._audit("attribute", f"{len(items)} images against {generators} generator(s), threshold "
                            f"{self.threshold:.3f}, library {self.case.library.get('content_sha256', '')[:16]}")
        elif stage.name == "clusters":
            for item, label in zip(items, stage.value):
                item.cluster = int(label)
            self.previews.forget_averages("cluster:")
            groups = len(set(int(v) for v in stage.value))
            self._audit("cluster", f"{len(items)} images in {groups} group(s), threshold {self.threshold:.3f}")
        elif stage.name == "map":
            if stage.value is None:
                self.case.map, self.map_items = None, []
                self.map_view.show_message(stage.note)
            else:
                self.case.map = np.asarray(stage.value).round(4).tolist()
                self.map_items = list(items)
                self._audit("map", f"t-SNE of {len(items)} images, perplexity {self.preferences.perplexity:g}, seed 0")
        self.model.refresh()
        self._refresh_map()
        self.inspector.refresh()

    def _record_settings(self) -> None:
        self.case.settings = {"threshold": self.threshold, "crops": self.preferences.crops,
                              "device": str(self.extractor.device) if self.extractor else "",
                              "perplexity": self.preferences.perplexity}

    def _refresh_map(self) -> None:
        if not self.map_items or self.case.map is None:
            if not self.map_items and len(self._fingerprinted()) == 0:
                self.map_view.show_message("The map appears once five or more images are fingerprinted.")
            return
        clusters = ["not clustered" if i.cluster is None else f"cluster {i.cluster}" for i in self.map_items]
        matches = [(i.attribution or {}).get("decision") or "not attributed" for i in self.map_items]
        hover = [self._hover_text(i) for i in self.map_items]
        if len(self.map_view.coords) == len(self.map_items) and np.allclose(self.map_view.coords, self.case.map):
            self.map_view.set_labels(clusters, matches, hover)
        else:
            self.map_view.set_points(np.asarray(self.case.map, np.float32), clusters, matches, hover)
        self._highlight_selection()

    @staticmethod
    def _hover_text(item: CaseItem) -> str:
        best = best_match(item)
        match = f"{item.attribution['decision']} (score {best['score']:.2f})" if best else "not attributed"
        cluster = "-" if item.cluster is None else item.cluster
        return f"{item.exhibit}  {Path(item.path).name}\ncluster {cluster} · {match}"

    def rerun_analysis(self) -> None:
        if not self.jobs.busy:
            self.schedule_analysis()

    def _library_changed(self) -> None:
        self._update_status()
        self.inspector.spectrum.set_generators([g.name for g in self.library.generators])
        self.previews.forget_averages("generator:")
        if self._fingerprinted():
            self.schedule_analysis(cluster=False, map=False)

    def refingerprint(self) -> None:
        """Fingerprint every image of the case again with the current extractor and settings
        (after a change of weights or crops); a file that changed or went missing keeps its
        old result and is reported."""
        items = [i for i in self.case.items if i.sha256 and not i.error]
        if self.extractor is None or not items:
            return
        case, by_sha = self.case, {i.sha256: i for i in items}
        redone: set[str] = set()

        def one(result: FileFingerprint) -> None:
            item = by_sha.get(result.sha256 or "")
            if case is self.case and item is not None and result.ok:
                item.embedding, item.padded = result.embedding, result.padded
                redone.add(item.sha256)

        def done(_found: int) -> None:
            if case is not self.case:
                return
            missing = [i for i in items if i.sha256 not in redone]
            self.case.extractor = extractor_stamp(self.card)
            self._audit("refingerprint", f"{len(redone)} of {len(items)} images with extractor "
                        f"{self.extractor.extractor_id}, {self.preferences.crops} crop(s)")
            if missing:
                QMessageBox.warning(self, APP_TITLE, f"{len(missing)} image(s) could not be fingerprinted again (the "
                                    "file moved or changed since intake) and keep their earlier fingerprint: "
                                    + ", ".join(i.exhibit for i in missing[:20]))
            self.schedule_analysis()

        self.jobs.submit(Job("Re-fingerprinting", tasks.intake_job(self.extractor, [i.path for i in items]),
                             on_partial=one, on_result=done, on_error=self._job_error))

    # --- selection ----------------------------------------------------------------------

    def selected_items(self) -> list[CaseItem]:
        rows = sorted({self.proxy.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()})
        return [self.case.items[row] for row in rows]

    def selected_references(self) -> list[Reference]:
        """The selected fingerprinted images as library references (for enrolment)."""
        if self.extractor is not None and self.case.extractor.get("id") not in (None, self.extractor.extractor_id):
            return []
        return [(i.sha256, i.path, i.embedding) for i in self.selected_items() if i.embedding is not None and i.sha256]

    def current_item(self) -> CaseItem | None:
        index = self.table.currentIndex()
        if index.isValid():
            return self.case.items[self.proxy.mapToSource(index).row()]
        selected = self.selected_items()
        return selected[0] if selected else None

    def select_item(self, item: CaseItem) -> None:
        """Make `item` the current and only selected row, scrolled into view."""
        row = self.case.items.index(item)
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # hidden by the filter
            self.filter.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self.table.scrollTo(index)

    def _on_current_changed(self, current, previous) -> None:
        self.inspector.show(self.current_item())

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.library_panel.set_selection_count(len(self.selected_references()))
        self._highlight_selection()
        if not self.table.currentIndex().isValid():
            self.inspector.show(self.current_item())

    def _highlight_selection(self) -> None:
        position = {id(item): index for index, item in enumerate(self.map_items)}
        self.map_view.set_highlight([position[id(i)] for i in self.selected_items() if id(i) in position])

    def _on_map_clicked(self, index: int) -> None:
        if 0 <= index < len(self.map_items):
            self.select_item(self.map_items[index])

    def _reference_paths(self, name: str) -> list[tuple[str, str]]:
        if self.library.library is None:
            raise ValueError("the library is not open")
        return self.library.library.reference_paths(name)

    # --- jobs ---------------------------------------------------------------------------

    def _job_started(self, label: str) -> None:
        if label == "Fingerprinting" and not self.map_items:
            self.map_view.show_message("The map is drawn when fingerprinting finishes (five or more images).")
        self.progress.setRange(0, 0)
        self.progress.setFormat(label)
        self.progress.setToolTip(label)
        self.progress.show()
        self.cancel_button.show()
        self.actions_by_name["cancel"].setEnabled(True)

    def _on_progress(self, done: int, total: int, remaining: float) -> None:
        if total:
            label = self.jobs.current_job.label if self.jobs.current_job else ""
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            eta = remaining_text(remaining)
            self.progress.setFormat(f"{label} %v / %m" + (f", {eta}" if eta else ""))

    def _jobs_idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.actions_by_name["cancel"].setEnabled(False)
        self._update_status()

    def cancel_work(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            self.statusBar().showMessage("Cancelling: what is finished is kept", 5000)

    def _job_error(self, exc: BaseException) -> None:
        self._job_failed(self.jobs.current_job.label if self.jobs.current_job else "The job", exc)

    def _job_failed(self, label: str, exc: BaseException) -> None:
        QMessageBox.critical(self, APP_TITLE, f"{label} failed. {error_text(exc)}")

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
        self.jobs.cancel()
        self.case, self.case_path, self.dirty = case, path, False
        self.statusBar().clearMessage()
        self.model.set_case(case)
        self.inspector.show(None)
        self.previews.clear()
        self.previews.scan([(i.sha256, i.path) for i in case.items if i.sha256 and not i.error])
        items = self._fingerprinted()
        if case.map is not None and len(case.map) == len(items) and items:
            self.map_items = items
        else:
            self.map_items = []
            self.map_view.show_message("The map appears once five or more images are fingerprinted.")
        self._refresh_map()
        self._update_title()
        self._update_status()

    def open_case_dialog(self) -> None:
        if not self._confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open case", self._last_folder(), CASE_FILTER)
        if path:
            self.open_case(Path(path), confirmed=True)

    def open_case(self, path: Path, confirmed: bool = False) -> bool:
        if not confirmed and not self._confirm_discard():
            return False
        try:
            case = load_case(path)
        except CaseError as exc:
            QMessageBox.critical(self, APP_TITLE, str(exc))
            if not Path(path).exists():
                forget_case(self.settings, str(path))
            return False
        self._set_case(case, Path(path))
        remember_case(self.settings, str(Path(path).resolve()))
        notes = []
        if self.extractor is not None and case.extractor.get("id") not in (None, self.extractor.extractor_id):
            notes.append(self._foreign_case_text())
        elif self.library.library is not None and case.library.get("content_sha256") and \
                case.library["content_sha256"] != self.library.library.snapshot()["content_sha256"]:
            notes.append("The library has changed since this case was analysed; its saved matches are shown. "
                         "Press F5 (Analysis > Re-run analysis) to rank against the current library.")
        if notes:
            self.statusBar().showMessage(" ".join(notes), 20_000)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = recent_cases(self.settings)
        for number, path in enumerate(paths, start=1):
            action = self.recent_menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_case(Path(p)))
        if paths:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(lambda: forget_case(self.settings))
        else:
            self.recent_menu.addAction("No recent cases").setEnabled(False)

    def save_case(self) -> bool:
        if self.case_path is None:
            return self.save_case_as()
        return self.write_case(self.case_path)

    def save_case_as(self) -> bool:
        start = str(self.case_path or Path(self._last_folder()) / f"{self.case.reference or 'case'}{CASE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save case", start, CASE_FILTER)
        if not path:
            return False
        if not path.endswith(CASE_SUFFIX):
            path += CASE_SUFFIX
        return self.write_case(Path(path))

    def write_case(self, path: Path) -> bool:
        if self.extractor is not None and not self.case.extractor:
            self.case.extractor = extractor_stamp(self.card)
        if not self.case.settings:
            self._record_settings()
        try:
            self.case.save(path)
        except CaseError as exc:
            QMessageBox.critical(self, APP_TITLE, f"{exc}\nThe case is still open with all its changes.")
            return False
        self.case_path, self.dirty = Path(path), False
        remember_case(self.settings, str(Path(path).resolve()))
        self._update_title()
        self.statusBar().showMessage(f"Case saved to {path}", 5000)
        return True

    def edit_case_details(self) -> None:
        current = {"reference": self.case.reference, "examiner": self.case.examiner,
                   "organisation": self.case.organisation, "question": self.case.question}
        details = CaseDetailsDialog.ask(self, current)
        if details is not None and details != current:
            for key, value in details.items():
                setattr(self.case, key, value)
            self._audit("case-details", "; ".join(f"{k}: {v}" for k, v in details.items() if v))
            self._update_title()

    # --- exports ------------------------------------------------------------------------

    def copy_hashes(self) -> None:
        """SHA-256 of the selected images in `sha256sum` format, so `sha256sum -c` can check them."""
        lines = [f"{i.sha256}  {i.path}" for i in self.selected_items() if i.sha256]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
            self.statusBar().showMessage(f"SHA-256 of {len(lines)} image(s) copied", 5000)

    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table as CSV", self._last_folder(), "CSV (*.csv)")
        if not path:
            return
        try:
            write_table_csv(self.case, Path(path))
        except OSError as exc:
            QMessageBox.critical(self, APP_TITLE, f"The table could not be written to {path}: {exc.strerror or exc}")
            return
        self.statusBar().showMessage(f"{len(self.case.items)} row(s) exported to {path}", 5000)

    def export_report(self) -> None:
        """File > Export report: core's `write_report` in a worker; its SHA-256 goes to the
        audit log and is shown."""
        try:
            from forensics_app.core.report import write_report
        except ImportError as exc:
            QMessageBox.warning(self, APP_TITLE, f"The report module is not available in this build ({exc}).")
            return
        if self.card is None:
            QMessageBox.warning(self, APP_TITLE, self.extractor_problem or "No extractor is loaded.")
            return
        if not self.case.items:
            QMessageBox.information(self, APP_TITLE, "Add images to the case before writing its report.")
            return
        start = str(Path(self._last_folder()) / f"{self.case.reference or 'report'}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Export report", start, "PDF (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        if self.extractor is not None and not self.case.extractor:
            self.case.extractor = extractor_stamp(self.card)
        self._record_settings()
        snapshot = Case.from_dict(self.case.to_dict())  # the worker reads a copy, the analyst may go on
        case = self.case

        def done(outcome: tasks.ReportOutcome) -> None:
            case.log("report", outcome.sha256, str(outcome.path))
            if case is self.case:
                self._mark_dirty()
            QMessageBox.information(self, APP_TITLE, f"Report written to {outcome.path}\n\nSHA-256 "
                                    f"{outcome.sha256}\n\nThe hash is recorded in the case's audit log.")

        self.jobs.submit(Job("Writing the report", tasks.report_job(write_report, snapshot, Path(path), self.card,
                                                                   app_versions(self.extractor)),
                             on_result=done, on_error=self._job_error))

    # --- settings and about -------------------------------------------------------------

    def edit_settings(self) -> None:
        card = self.card.calibration.threshold if self.card else 0.5
        chosen = SettingsDialog.ask(self, self.preferences, card)
        if chosen is not None:
            self.apply_preferences(chosen)

    def apply_preferences(self, chosen: Preferences) -> None:
        """Save the settings and act on what changed: device, crops, threshold, perplexity."""
        old, self.preferences = self.preferences, chosen
        if chosen.device != old.device and self.device_override is None:
            previous = self.extractor
            if not self._load_extractor():
                QMessageBox.warning(self, APP_TITLE, f"{self.extractor_problem}\nThe app stays on "
                                    f"{previous.device if previous else 'no device'}.")
                self.extractor, self.extractor_problem = previous, None
                self.preferences = chosen = chosen.with_(device=old.device)
        save_preferences(self.settings, chosen)
        self._apply_crops()
        changes = [f"{field.name} {getattr(old, field.name)} -> {getattr(chosen, field.name)}"
                   for field in dataclasses.fields(Preferences) if getattr(old, field.name) != getattr(chosen, field.name)]
        if changes and self.case.items:
            self._audit("settings", "; ".join(changes))
        threshold_changed = old.threshold_or(0.0) != chosen.threshold_or(0.0) or \
            (old.threshold is None) != (chosen.threshold is None)
        if self._fingerprinted() and (threshold_changed or old.perplexity != chosen.perplexity):
            self.schedule_analysis(attribute=threshold_changed, cluster=threshold_changed,
                                   map=old.perplexity != chosen.perplexity)
        self._update_status()

    def show_about(self) -> None:
        AboutDialog(self, app_versions(self.extractor), self.card.to_dict() if self.card else None,
                    self.extractor_problem or "").exec()

    # --- closing ------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self._confirm_discard():
            event.ignore()
            return
        self._save_layout()
        self.jobs.wait(10_000)
        self.previews.stop()
        self.library.close()
        event.accept()
