"""The evidence table's model: one row per case item, sortable by every column.

Rows are appended and updated in place (never a model reset while the case is open), so
the analyst's selection and scroll position survive new images and re-ranking.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFontDatabase, QIcon, QImage, QPixmap

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.case import Case, CaseItem
from forensics_app.core.display_text import one_line
from forensics_app.core.decision.likelihood import format_lr
from forensics_app.gui.attribution_text import (
    NOT_NAMED,
    decision_text,
    is_named,
    lr_of,
    lr_text,
    naming_lr,
    top_match,
    words_of,
)
from forensics_app.gui.plain_messages import as_shown
from forensics_app.gui.provenance_text import HEADER_TIP, declaration_check, declares_text

#: What the analyst reads first comes first: which file, from where, what was concluded;
#: the hash and the file's facts follow (all are in each row's tooltip and the CSV).
# what the analyst reads first comes first: at 1440 x 900 the columns up to "Declares" are in view
COLUMNS = ("Exhibit", "File", "First-ranked", "LR", "Decision", "Declares", "Status", "Folder", "Cluster",
           "SHA-256", "Size", "Format")
COLUMN = {name: index for index, name in enumerate(COLUMNS)}
REJECTED_COLOUR = QColor("#b00020")
UNKNOWN_COLOUR = QColor("#6b6b6b")


def status_text(item: CaseItem) -> str:
    if item.error:
        return f"rejected: {item.error}"
    state = "fingerprinted" if item.embedding is not None else "pending"
    return f"{state}; same file as {item.same_as}" if item.same_as else state


def _size_text(item: CaseItem) -> str:
    evidence = item.evidence
    return "" if evidence is None else f"{evidence.width} x {evidence.height}"


def file_name(item: CaseItem) -> str:
    return item.path.replace("\\", "/").rsplit("/", 1)[-1]


def folder_text(item: CaseItem) -> str:
    """The folder the file was taken from, as stored in the case (paths from Windows read alike).

    Two evidence files called `upload_000.png` are told apart by it; the home folder is
    shortened to `~` so the part that differs survives the column's elision.
    """
    path = item.path.replace("\\", "/")
    folder = path.rsplit("/", 1)[0] if "/" in path else ""
    home = str(Path.home()).replace("\\", "/")
    if home not in ("", "/") and (folder == home or folder.startswith(home + "/")):
        folder = "~" + folder[len(home):]
    return folder


def cell_value(item: CaseItem, column: int):
    """The value sorted on in one cell (and shown, but for the LR, which `cell_text` words).

    "First-ranked" and "LR" are the most similar enrolled generator's, for every attributed
    image, so the table can be sorted by strength; below the naming level the generator
    is marked "(not named)" and the Decision column says no generator was supported, so
    a table read at a glance never presents a ranking as a conclusion.
    """
    name = COLUMNS[column]
    if name == "Exhibit":
        return item.exhibit
    if name == "File":
        return file_name(item)
    if name == "Folder":
        return folder_text(item)
    if name == "SHA-256":
        return (item.sha256 or "")[:16]
    if name == "Size":
        return _size_text(item)
    if name == "Format":
        return item.format
    if name == "Status":
        return status_text(item)
    if name == "First-ranked":
        first = top_match(item)
        if first is None:
            return ""
        return first.generator if is_named(item) else f"{first.generator} {NOT_NAMED}"
    if name == "LR":
        return lr_of(top_match(item))
    if name == "Decision":
        return decision_text(item)
    if name == "Cluster":
        return item.cluster
    if name == "Declares":
        return declares_text(item)
    raise IndexError(column)


def cell_text(item: CaseItem, column: int) -> str:
    """One line per cell: a line break or control character in a file name (chosen by whoever
    made the evidence) is shown as an escape, never as a second line."""
    if COLUMNS[column] == "LR":
        return lr_text(top_match(item))
    value = cell_value(item, column)
    return "" if value is None else one_line(value)


def _sort_key(item: CaseItem, column: int):
    name = COLUMNS[column]
    if name == "Size":  # by pixel count, not alphabetically
        return item.evidence.width * item.evidence.height if item.evidence is not None else 0
    value = cell_value(item, column)
    if value is None:
        return -1
    return value.casefold() if isinstance(value, str) else value


def cell_tooltip(item: CaseItem, column: int) -> str:
    """The tooltip of one cell: its whole text (the table elides long cells), then the file's facts."""
    name = COLUMNS[column]
    if name == "Folder":
        return item.path
    if name in ("First-ranked", "LR", "Decision") and item.attribution:
        first = top_match(item)
        if first is None:
            return cell_text(item, column)
        strength = f"LR {lr_text(first)}" + (f", {words_of(first)}" if words_of(first) else "")
        if is_named(item):
            return f"{first.generator}: {strength}; named (the LR reaches the naming level)"
        level = naming_lr(item)
        below = f"below the naming level of {format_lr(level)}" if level else "below the naming level"
        return (f"{UNKNOWN_TEXT}. Most similar enrolled generator: {first.generator} ({strength}), {below}, "
                "so it is not named; the whole ranking is in Ranked matches")
    if name == "Declares" and (check := declaration_check(item)).text:
        return f"{cell_text(item, column)}\n\nAgainst the fingerprint: {check.text}.\n\n{tooltip(item)}"
    if name in ("Status", "Declares"):
        text = cell_text(item, column)
        return f"{text}\n\n{tooltip(item)}" if text and not item.error else tooltip(item)
    return tooltip(item)


def tooltip(item: CaseItem) -> str:
    if item.error:
        return f"{item.path}\nRejected: {item.error}"
    lines = [item.path, f"SHA-256 {item.sha256}"]
    if item.evidence is not None:
        lines += [f"{item.evidence.size_bytes:,} bytes, {item.evidence.mode}", *item.evidence.notes]
    if item.padded:
        lines.append("smaller than one crop: padded by mirroring for the fingerprint")
    return "\n".join(lines)


class EvidenceTableModel(QAbstractTableModel):
    """`thumbnail(sha256)` supplies decorations; until it has one the row shows none."""

    def __init__(self, case: Case, thumbnail: Callable[[str], QImage | None] | None = None) -> None:
        super().__init__()
        self.case = case
        self.thumbnail = thumbnail or (lambda sha: None)
        self._icons: dict[str, QIcon] = {}
        self._rows: dict[str, int] = {}  # sha256 -> row, so a thumbnail finds its row at once
        self._index_rows()
        self._mono = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        self._rejected_icon: QIcon | None = None

    def _index_rows(self, first: int = 0) -> None:
        for row in range(first, len(self.case.items)):
            sha = self.case.items[row].sha256
            if sha:
                self._rows.setdefault(sha, row)

    def set_case(self, case: Case) -> None:
        self.beginResetModel()
        self.case = case
        self._icons.clear()
        self._rows.clear()
        self._index_rows()
        self.endResetModel()

    def refresh(self) -> None:
        """Every cell may have changed (attribution, clusters): one dataChanged, no reset."""
        if self.case.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.case.items) - 1, len(COLUMNS) - 1))

    def begin_append(self, row: int) -> None:
        """The session is about to append row `row` (its ``inserting`` event): Qt's row insertion begins."""
        self.beginInsertRows(QModelIndex(), row, row)

    def end_append(self, item: CaseItem) -> None:
        """The row was appended (the session's ``inserted`` event)."""
        self._index_rows(len(self.case.items) - 1)
        self.endInsertRows()

    def item(self, row: int) -> CaseItem:
        return self.case.items[row]

    def row_of_sha(self, sha256: str) -> int | None:
        return self._rows.get(sha256)

    def thumbnail_changed(self, sha256: str) -> None:
        row = self.row_of_sha(sha256)
        if row is not None:
            index = self.index(row, COLUMN["File"])
            self.dataChanged.emit(index, index, [Qt.DecorationRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.case.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        if role == Qt.ToolTipRole and orientation == Qt.Horizontal:
            return {
                "First-ranked": "The most similar enrolled generator; marked (not named) when its likelihood "
                                "ratio is below the naming level (the ranking is in the Ranked matches pane)",
                "LR": "Likelihood ratio of the first-ranked generator: how much more probable the similarity is if "
                      "it made the image than if another source did. Sort by it to see the strongest first",
                "Decision": "The generator named by the decision policy (Edit > Settings shows it in words)",
                "Folder": "The folder the file was added from (the whole path is in the tooltip)",
                "Cluster": "Group of images of likely common source (0 is the largest)",
                "Declares": HEADER_TIP,
                "SHA-256": "First 16 hex digits; the full hash is in the tooltip and copied by Edit > Copy SHA-256",
            }.get(COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        item = self.case.items[index.row()]
        column = index.column()
        if role == Qt.DisplayRole:
            return cell_text(item, column)
        if role == Qt.UserRole:  # sort key
            return _sort_key(item, column)
        if role == Qt.ToolTipRole:
            tip = cell_tooltip(item, column)
            return as_shown(tip) if tip else tip
        if role == Qt.DecorationRole and column == COLUMN["File"]:
            return self._decoration(item)
        if role == Qt.FontRole and column == COLUMN["SHA-256"]:
            return self._mono
        if role == Qt.ForegroundRole:
            if item.error:
                return QBrush(REJECTED_COLOUR)
            if column == COLUMN["Declares"] and declaration_check(item).contradicts:
                return QBrush(REJECTED_COLOUR)
            if column in (COLUMN["Decision"], COLUMN["First-ranked"], COLUMN["LR"]) and item.attribution \
                    and not is_named(item):
                return QBrush(UNKNOWN_COLOUR)  # a ranking below the naming level reads as one, not as a finding
        if role == Qt.TextAlignmentRole and column in (COLUMN["LR"], COLUMN["Cluster"]):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def _decoration(self, item: CaseItem) -> QIcon | None:
        if item.error:
            if self._rejected_icon is None:
                from PySide6.QtWidgets import QApplication, QStyle

                self._rejected_icon = QApplication.style().standardIcon(QStyle.SP_MessageBoxWarning)
            return self._rejected_icon
        sha = item.sha256
        if not sha:
            return None
        icon = self._icons.get(sha)
        if icon is None:
            image = self.thumbnail(sha)
            if image is None:
                return None
            icon = self._icons[sha] = QIcon(QPixmap.fromImage(image))
        return icon
