"""The library panel: the enrolled generators, and the actions that change them.

The panel only shows and asks; the window does the work (in workers) and calls
`set_generators` with the result.  An empty library gets a first-run page that says
what enrolment is and how to do it, since attribution means nothing without it; a
library that cannot be opened gets a page that says why and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.library import MIN_REFERENCES_ADVISED, GeneratorInfo
from forensics_app.gui.plain_messages import as_shown
from forensics_app.gui.widgets.hint import hint_label
from forensics_app.workflows.library_health import ReferenceSpread

LIST_COLUMNS = ("Generator", "Family", "References", "Consistency", "Updated (UTC)")
LIST_TIPS = (
    "", "", f"Reference images enrolled; {MIN_REFERENCES_ADVISED} or more are advised",
    "Each reference's cosine similarity to the mean of the generator's other references: the median says how "
    "alike they are, the minimum how far the oddest one lies. A warning names a reference unlike the rest.",
    "",
)

FIRST_RUN_TEXT = f"""<h3>The library is empty</h3>
<p>Attribution compares each image with the generators enrolled here. Enrol a generator
from images you know it made (its <i>reference images</i>; {MIN_REFERENCES_ADVISED} or more give a
reliable fingerprint). Nothing is retrained: enrolment takes seconds.</p>
<ol>
<li><b>Enrol from folder</b>: pick a folder of one generator's images.</li>
<li>Or select images of one source in the evidence table and choose
<b>Enrol from selected images</b> (Ctrl+Shift+E).</li>
<li>Or <b>Import</b> a library file exported by a colleague with the same extractor.</li>
</ol>
<p>Until then, images are still fingerprinted, grouped into clusters and mapped.</p>"""


class LibraryPanel(QWidget):
    enrol_folder = Signal()
    enrol_selection = Signal()
    add_folder = Signal(str)
    add_selection = Signal(str)
    rename = Signal(str)
    remove = Signal(str)
    import_library = Signal()
    export_library = Signal()
    rebuild = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = QStackedWidget()
        self.first_run = self._first_run_page()
        self.list_page = self._list_page()
        self.problem_page, self.problem_label, self.rebuild_button = self._problem_page()
        for page in (self.first_run, self.list_page, self.problem_page):
            self.stack.addWidget(page)
        self.footer = hint_label(wrap=False)
        self.footer.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # one line, clipped when narrow
        self.footer.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.footer)
        self.selection_count = 0
        self.set_selection_count(0)

    # --- pages ------------------------------------------------------------------------------

    def _first_run_page(self) -> QWidget:
        page = QWidget()
        text = QLabel(FIRST_RUN_TEXT)
        text.setWordWrap(True)
        text.setTextFormat(Qt.RichText)
        text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.first_folder = QPushButton(self.style().standardIcon(QStyle.SP_DirOpenIcon), "Enrol from folder...")
        self.first_selection = QPushButton("Enrol from selected images...")
        self.first_import = QPushButton("Import library...")
        self.first_folder.clicked.connect(self.enrol_folder)
        self.first_selection.clicked.connect(self.enrol_selection)
        self.first_import.clicked.connect(self.import_library)
        buttons = QHBoxLayout()
        for button in (self.first_folder, self.first_selection, self.first_import):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(text)
        layout.addLayout(buttons)
        layout.addStretch(1)
        # the guide is long: it scrolls rather than holding the whole pane to its height
        area = QScrollArea()
        area.setWidget(page)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.NoFrame)
        return area

    def _list_page(self) -> QWidget:
        page = QWidget()
        self.table = QTableWidget(0, len(LIST_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(LIST_COLUMNS))
        for column, tip in enumerate(LIST_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        # names and figures whole; the family, the least needed, takes what is left (elided, whole in the tooltip)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(LIST_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(LIST_COLUMNS.index("Family"), QHeaderView.Stretch)

        self.enrol_button = self._menu_button("Enrol", [("From folder...", self.enrol_folder.emit),
                                                        ("From selected images...", self.enrol_selection.emit)])
        self.add_button = self._menu_button("Add references", [
            ("From folder...", lambda: self._emit_for_selected(self.add_folder)),
            ("From selected images", lambda: self._emit_for_selected(self.add_selection))])
        self.rename_button = QToolButton()
        self.rename_button.setText("Rename...")
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.more_button = self._menu_button("Exchange", [("Import library...", self.import_library.emit),
                                                          ("Export library...", self.export_library.emit)])
        self.rename_button.clicked.connect(lambda: self._emit_for_selected(self.rename))
        self.remove_button.clicked.connect(lambda: self._emit_for_selected(self.remove))
        # a tool bar, not a row of buttons: in a narrow pane it folds into an overflow menu
        buttons = QToolBar()
        buttons.setIconSize(QSize(16, 16))
        for button in (self.enrol_button, self.add_button, self.rename_button, self.remove_button, self.more_button):
            buttons.addWidget(button)
        self.table.setMinimumHeight(40)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(buttons)
        layout.addWidget(self.table, 1)
        return page

    def _problem_page(self) -> tuple[QWidget, QLabel, QPushButton]:
        page = QWidget()
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.PlainText)  # names and paths are shown as written
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        button = QPushButton("Rebuild the library with the current extractor...")
        button.clicked.connect(self.rebuild)
        layout = QVBoxLayout(page)
        layout.addWidget(label)
        layout.addWidget(button, 0, Qt.AlignLeft)
        layout.addStretch(1)
        return page, label, button

    def _menu_button(self, text: str, entries) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setPopupMode(QToolButton.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        menu = QMenu(button)
        for label, slot in entries:
            menu.addAction(label).triggered.connect(lambda checked=False, slot=slot: slot())
        button.setMenu(menu)
        return button

    # --- state ------------------------------------------------------------------------------

    def selected_generator(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def _emit_for_selected(self, signal) -> None:
        name = self.selected_generator()
        if name is not None:
            signal.emit(name)

    def set_selection_count(self, count: int) -> None:
        """How many fingerprinted images are selected in the evidence table."""
        self.selection_count = count
        self.first_selection.setEnabled(count > 0)
        for action in self.enrol_button.menu().actions()[1:]:
            action.setEnabled(count > 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected_generator() is not None
        for button in (self.add_button, self.rename_button, self.remove_button):
            button.setEnabled(chosen)
        self.add_button.menu().actions()[1].setEnabled(chosen and self.selection_count > 0)

    def set_generators(self, generators: Sequence[GeneratorInfo], extractor_id: str, path: str,
                       spreads: Mapping[str, ReferenceSpread] | None = None) -> None:
        """List the generators; `spreads` (by name) adds how consistent each one's references are."""
        chosen = self.selected_generator()
        spreads = spreads or {}
        self.table.setRowCount(len(generators))
        for row, info in enumerate(generators):
            spread = spreads.get(info.name)
            cells = [info.name, info.family or "", str(info.reference_count),
                     spread.summary() if spread is not None else "", info.updated_at.replace("T", " ")[:16]]
            tip = [f"{info.name}: {info.reference_count} reference image(s)"]
            tip += [f"Notes: {info.notes}"] if info.notes else []
            tip += [f"References against the mean of the others: {spread.summary()}"] if spread is not None else []
            warnings = info.warnings + (spread.warnings() if spread is not None else [])
            tip += warnings
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(as_shown("\n".join(tip)))
                if column in (2, 3):
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if (column == 2 and info.warnings) or (column == 3 and spread is not None and spread.outliers):
                    cell.setIcon(self.style().standardIcon(QStyle.SP_MessageBoxWarning))
                self.table.setItem(row, column, cell)
            if info.name == chosen:
                self.table.selectRow(row)
        references = sum(g.reference_count for g in generators)
        outliers = sum(len(s.outliers) for s in spreads.values())
        odd = f" · {outliers} reference(s) unlike their generator's others" if outliers else ""
        self.footer.setText(f"Extractor {extractor_id} · {len(generators)} generator(s), {references} reference(s)"
                            f"{odd} · {path}")
        self.footer.setToolTip(as_shown(self.footer.text()))
        self.stack.setCurrentWidget(self.list_page if generators else self.first_run)
        self._update_buttons()

    def set_problem(self, text: str, can_rebuild: bool = False) -> None:
        """The library cannot be used: say why (and offer the rebuild when that helps)."""
        self.problem_label.setText(text)
        self.rebuild_button.setVisible(can_rebuild)
        self.footer.setText("")
        self.stack.setCurrentWidget(self.problem_page)
