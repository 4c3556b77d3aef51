"""The ranked matches of the selected image: every enrolled generator, most similar first.

Similarity is the raw cosine similarity; the likelihood ratio (LR) says how much more
probable that similarity is if the generator made the image than if another source did,
with its ENFSI words.  The LR column draws a bar on a log scale so a clear winner and a
near-tie look different at a glance; generators at or above the naming level are bold.
"""

from __future__ import annotations

import math

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

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.decision.closed_set import closed_set_brief, closed_set_sentence
from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.gui.attribution_text import (
    decision_text,
    is_named,
    lr_of,
    lr_text,
    named_match,
    naming_lr,
    ranking,
    words_of,
)
from forensics_app.gui.plain_messages import as_shown

BAR_COLOUR = QColor(27, 158, 119, 90)
FULL_BAR_LOG10_LR = 6.0  # LR 1,000,000: the top of "very strong support"
HEADERS = ("#", "Generator", "Similarity", "LR", "Support")
#: The pane asks for room for this many rows at least, so a typical library is read whole.
ROWS_IN_VIEW = 8
LR_COLUMN = HEADERS.index("LR")


class LRBarDelegate(QStyledItemDelegate):
    """Paints log10 LR (in Qt.UserRole) as a bar behind its number; LR 1 or less shows none."""

    def paint(self, painter: QPainter, option, index) -> None:
        lr = index.data(Qt.UserRole)
        if isinstance(lr, float) and lr > 1.0:
            fraction = min(1.0, math.log10(lr) / FULL_BAR_LOG10_LR)
            rect: QRect = option.rect.adjusted(2, 3, -2, -3)
            painter.save()
            painter.fillRect(QRect(rect.left(), rect.top(), int(rect.width() * fraction), rect.height()), BAR_COLOUR)
            painter.restore()
        super().paint(painter, option, index)


class MatchesView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel()
        self.header.setTextFormat(Qt.PlainText)  # names and paths are shown as written
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)  # compact rows
        self.table.setMinimumHeight(40)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setItemDelegateForColumn(LR_COLUMN, LRBarDelegate(self.table))
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(LR_COLUMN, QHeaderView.Fixed)
        header.resizeSection(LR_COLUMN, 90)
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
        # plain text (the header shows names as written), so no markup here either
        title = f"{item.exhibit} {item.path.replace(chr(92), '/').rsplit('/', 1)[-1]}"
        if item.error:
            self.header.setText(f"{title}: rejected at intake, so it has no fingerprint ({item.error}).")
            return
        matches = ranking(item)
        if not matches:
            self.header.setText(f"{title}: not attributed. {library_note}".strip())
            return
        level = naming_lr(item)
        lines = [f"{title}: {self._verdict(item, level)}"]
        tip = []
        closed = item.attribution.closed_set_lr
        if closed is not None:  # brief here, the premise in full in the tooltip
            lines.append(closed_set_brief(matches[0].generator, float(closed), len(matches)) + ".")
            tip.append(closed_set_sentence(matches[0].generator, float(closed), len(matches)))
        compared = item.attribution.comparison
        if compared:
            lines.append(compared)
        self.header.setText("\n".join(lines))
        self.header.setToolTip(as_shown("\n\n".join(tip)))
        self.table.setRowCount(len(matches))
        self._fit_rows(min(len(matches), ROWS_IN_VIEW))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, match in enumerate(matches):
            lr = lr_of(match)
            cells = [str(row + 1), match.generator, f"{match.similarity:.3f}", lr_text(match), words_of(match)]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column not in (1, len(HEADERS) - 1):
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if lr is not None and level is not None and lr >= level:
                    cell.setFont(bold)
                if column == LR_COLUMN and lr is not None:
                    cell.setData(Qt.UserRole, lr)
                self.table.setItem(row, column, cell)

    def _fit_rows(self, rows: int) -> None:
        """Ask the pane for room for `rows` rows and the words above them, so every enrolled
        generator of a small library is in view."""
        header = self.table.horizontalHeader().sizeHint().height()
        height = header + rows * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth() + 2
        self.table.setMinimumHeight(max(40, height))
        words = self.header.heightForWidth(max(200, self.width() - 8))
        self.setMinimumHeight(max(40, height) + max(0, words) + 14)

    @staticmethod
    def _verdict(item: CaseItem, level: float | None) -> str:
        if level is None:  # a case analysed before decisions were likelihood ratios
            return f"decision {decision_text(item)}; the naming level was not recorded."
        at = f"the naming level, LR {format_lr(level)} ({support_words(level)})"
        if not is_named(item):
            return (f"{UNKNOWN_TEXT}: no generator reaches {at}. The source may be a generator the "
                    "library does not hold, or a camera.")
        named = named_match(item)
        if named is None:  # a decision naming a generator the ranking does not hold: the re-check says so
            return f"{decision_text(item)} is named, but it is not in the stored ranking, so no LR can be shown."
        return (f"{named.generator} is named: LR {lr_text(named)}, {words_of(named)}, at or above {at}. "
                "Generators at or above the naming level are in bold.")
