"""The evidence table's model: one row per case item, sortable by every column."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from forensics_app.core.case import Case, CaseItem

COLUMNS = ("Exhibit", "File", "SHA-256", "Size", "Format", "Status", "Best match", "Score", "Decision", "Cluster")


def _size_text(item: CaseItem) -> str:
    evidence = item.evidence or {}
    if not evidence:
        return ""
    return f"{evidence.get('width')} x {evidence.get('height')}"


def cell_value(item: CaseItem, column: int):
    """The value shown (and sorted on) in one cell."""
    best = (item.attribution or {}).get("matches", [None])[0] if item.attribution and item.attribution.get("matches") else None
    name = COLUMNS[column]
    if name == "Exhibit":
        return item.exhibit
    if name == "File":
        return item.path.rsplit("/", 1)[-1]
    if name == "SHA-256":
        return (item.sha256 or "")[:16]
    if name == "Size":
        return _size_text(item)
    if name == "Format":
        return (item.evidence or {}).get("format", "")
    if name == "Status":
        if item.error:
            return f"rejected: {item.error}"
        return "fingerprinted" if item.embedding is not None else "pending"
    if name == "Best match":
        return best["generator"] if best else ""
    if name == "Score":
        return round(best["score"], 3) if best else None
    if name == "Decision":
        return (item.attribution or {}).get("decision", "")
    if name == "Cluster":
        return item.cluster
    raise IndexError(column)


class EvidenceTableModel(QAbstractTableModel):
    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case

    def set_case(self, case: Case) -> None:
        self.beginResetModel()
        self.case = case
        self.endResetModel()

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.case.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        item = self.case.items[index.row()]
        if role == Qt.DisplayRole:
            value = cell_value(item, index.column())
            return "" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
        if role == Qt.UserRole:  # sort key
            value = cell_value(item, index.column())
            return -1 if value is None else value
        if role == Qt.ToolTipRole:
            if item.error:
                return item.error
            return f"{item.path}\nSHA-256 {item.sha256}"
        if role == Qt.ForegroundRole and item.error:
            return QBrush(QColor("#b00020"))
        return None
