"""The evidence pane: the sortable, filterable table of the case's images, and in its
place, while the case is empty, how to add images (or why they cannot be added).

Rows are found through the sort/filter proxy here, so the rest of the window speaks of
case items, never of proxy rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QSize, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.case import CaseItem
from forensics_app.gui.evidence_model import COLUMN, COLUMNS, EvidenceTableModel

EMPTY_TEXT = ("<h2>Drop images or folders here</h2><p>or use <b>File &gt; Add images</b> (Ctrl+I) and "
              "<b>Add folder</b> (Ctrl+Shift+I). Each image is hashed, fingerprinted, grouped with images "
              "of likely common source and ranked against the enrolled generators.</p>")
#: The widest a column grows when fitted to its content; longer text is elided, whole in the tooltip.
#: Side of a row's thumbnail, in pixels.
ROW_THUMBNAIL = 20
MAX_WIDTHS = {"File": 180, "Folder": 150, "Status": 120, "First-ranked": 180, "Decision": 170, "Declares": 240}
DEFAULT_MAX_WIDTH = 160
FIT_DELAY_MS = 150  # a batch of rows or a re-ranking refits the columns once, not per row


class ElideLeftDelegate(QStyledItemDelegate):
    """Elides a path at its start, keeping its last folders: where two files differ."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt's name)
        super().initStyleOption(option, index)
        option.textElideMode = Qt.ElideLeft


class EvidencePane(QStackedWidget):
    """Page 0: the empty case's hint and buttons; page 1: the filter and the table."""

    def __init__(self, model: EvidenceTableModel, add_images: Callable[[], None], add_folder: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(Qt.UserRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.table = self._table()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter rows by file name, hash, match, status...")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAcceptDrops(False)  # a file dropped here is evidence, not filter text
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.empty_hint = QLabel(EMPTY_TEXT)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignCenter)
        self.empty_hint.setTextFormat(Qt.RichText)
        self.addWidget(self._empty_page(add_images, add_folder))
        table_page = QWidget()
        layout = QVBoxLayout(table_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        self.addWidget(table_page)
        self._user_sized: set[int] = set()
        self._fitting = False
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(FIT_DELAY_MS)
        self._fit_timer.timeout.connect(self.fit_columns)
        for signal in (model.rowsInserted, model.modelReset, model.dataChanged):
            signal.connect(lambda *args: self._fit_timer.start())
        self.table.horizontalHeader().sectionResized.connect(self._section_resized)

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(COLUMN["Exhibit"], Qt.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # compact rows: a batch is read down the table (16+ rows at 1440 x 900); the Image tab shows each large
        table.setIconSize(QSize(ROW_THUMBNAIL, ROW_THUMBNAIL))
        table.verticalHeader().setDefaultSectionSize(ROW_THUMBNAIL + 6)
        table.verticalHeader().hide()
        table.setTextElideMode(Qt.ElideRight)
        table.setItemDelegateForColumn(COLUMN["Folder"], ElideLeftDelegate(table))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(36)
        table.setContextMenuPolicy(Qt.ActionsContextMenu)
        return table

    # --- column widths -------------------------------------------------------------------------

    def _section_resized(self, column: int, old: int, new: int) -> None:
        """A width the analyst dragged is kept: later fits leave that column alone."""
        if not self._fitting and QApplication.mouseButtons() != Qt.NoButton:
            self._user_sized.add(column)

    def fit_columns(self) -> None:
        """Each column as wide as its content and its title, up to its cap (text beyond is elided)."""
        if self.model.rowCount() == 0:
            return
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for column, name in enumerate(COLUMNS):
                if column in self._user_sized or self.table.isColumnHidden(column):
                    continue
                wanted = max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
                self.table.setColumnWidth(column, min(wanted, MAX_WIDTHS.get(name, DEFAULT_MAX_WIDTH)))
        finally:
            self._fitting = False

    def _empty_page(self, add_images: Callable[[], None], add_folder: Callable[[], None]) -> QWidget:
        style = self.style()
        self.empty_add_images = QPushButton(style.standardIcon(QStyle.SP_FileIcon), "Add images...")
        self.empty_add_folder = QPushButton(style.standardIcon(QStyle.SP_DirOpenIcon), "Add folder...")
        self.empty_add_images.clicked.connect(add_images)
        self.empty_add_folder.clicked.connect(add_folder)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.empty_hint)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.empty_add_images)
        buttons.addWidget(self.empty_add_folder)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(2)
        return page

    def show_table(self, shown: bool) -> None:
        self.setCurrentIndex(1 if shown else 0)

    # --- rows as case items --------------------------------------------------------------------

    def selected_items(self) -> list[CaseItem]:
        rows = sorted({self.proxy.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.item(row) for row in rows]

    def current_item(self) -> CaseItem | None:
        index = self.table.currentIndex()
        if index.isValid():
            return self.model.item(self.proxy.mapToSource(index).row())
        selected = self.selected_items()
        return selected[0] if selected else None

    def select_item(self, item: CaseItem) -> None:
        """Make `item` the current and only selected row, scrolled into view."""
        row = self.model.case.items.index(item)
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # hidden by the filter
            self.filter.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        flags = QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)
