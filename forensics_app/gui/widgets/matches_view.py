"""The ranked matches of the selected image: every enrolled generator, most similar first.

Similarity is the raw cosine similarity; score is the calibrated probability that image
and generator share a source.  The score column draws a bar so a clear winner and a
near-tie look different at a glance; generators above the open-set threshold are bold.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.case import CaseItem

BAR_COLOUR = QColor(27, 158, 119, 90)


class ScoreBarDelegate(QStyledItemDelegate):
    """Paints the score as a bar behind its number (score in Qt.UserRole, 0 to 1)."""

    def paint(self, painter: QPainter, option, index) -> None:
        score = index.data(Qt.UserRole)
        if isinstance(score, float):
            rect: QRect = option.rect.adjusted(2, 3, -2, -3)
            painter.save()
            painter.fillRect(QRect(rect.left(), rect.top(), int(rect.width() * max(0.0, min(1.0, score))),
                                   rect.height()), BAR_COLOUR)
            painter.restore()
        super().paint(painter, option, index)


class MatchesView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["#", "Generator", "Similarity", "Score"])
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(40)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setItemDelegateForColumn(3, ScoreBarDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Fixed)
        header.resizeSection(3, 110)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)
        self.show_item(None)

    def show_item(self, item: CaseItem | None, library_note: str = "") -> None:
        """Show `item`'s ranking; `library_note` explains an empty ranking (no library...)."""
        self.table.setRowCount(0)
        if item is None:
            self.header.setText("Select an image to see how it ranks against the enrolled generators.")
            return
        title = f"<b>{item.exhibit}</b> {item.path.replace(chr(92), '/').rsplit('/', 1)[-1]}"
        if item.error:
            self.header.setText(f"{title}: rejected at intake, so it has no fingerprint ({item.error}).")
            return
        attribution = item.attribution
        if not attribution or not attribution.get("matches"):
            self.header.setText(f"{title}: not attributed. {library_note}".strip())
            return
        threshold = float(attribution.get("threshold", 0.0))
        decision = attribution.get("decision", "")
        if decision == "unknown":
            verdict = (f"no enrolled generator reaches the open-set threshold {threshold:.3f}: "
                       "the source is reported as <b>unknown</b> (possibly a generator not in the library).")
        else:
            verdict = (f"best match <b>{decision}</b>, above the open-set threshold {threshold:.3f}. "
                       "Matches above the threshold are in bold.")
        self.header.setText(f"{title}: {verdict}")
        matches = attribution["matches"]
        self.table.setRowCount(len(matches))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, match in enumerate(matches):
            cells = [str(row + 1), match["generator"], f"{match['similarity']:.3f}", f"{match['score']:.3f}"]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column != 1:
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if match["similarity"] >= threshold:
                    cell.setFont(bold)
                if column == 3:
                    cell.setData(Qt.UserRole, float(match["score"]))
                self.table.setItem(row, column, cell)
