"""A one-line label that shortens its text with an ellipsis to the room it is given.

The status bar holds the decision policy, the device, the extractor and the library
beside a running job's progress bar; at 1440 pixels wide their full texts do not fit,
and a plain QLabel then pushes its neighbours out of the window or is cut mid-letter.
This label may shrink to a small minimum, draws as much of its text as fits with an
ellipsis, and keeps the whole text in its tooltip (plain text, never markup).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from forensics_app.gui.plain_messages import as_shown


class ElidedLabel(QLabel):
    """Plain text elided at the right; the whole text is the tooltip unless one is set."""

    def __init__(self, text: str = "", parent: QWidget | None = None, minimum: int = 60) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.PlainText)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self._minimum = minimum
        self._own_tip = False
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        if not self._own_tip:
            super().setToolTip(as_shown(text))
        self.updateGeometry()

    def setToolTip(self, tip: str) -> None:  # noqa: N802 (Qt's name)
        self._own_tip = bool(tip)
        super().setToolTip(tip if tip else as_shown(self.text()))

    def shown_text(self) -> str:
        """What is drawn at the current width."""
        return self.fontMetrics().elidedText(self.text(), Qt.ElideRight, max(0, self.contentsRect().width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        return QSize(min(self._minimum, super().sizeHint().width()), hint.height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignVCenter), self.shown_text())
