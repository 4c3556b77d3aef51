"""Secondary text (captions, help, paths): quieter than the content, still readable.

A disabled QLabel would be the easy way to grey text out, but disabled grey is meant to
say "unavailable" and is too faint to read on some palettes; this keeps the palette's
own text colour at reduced opacity, which works on light and dark themes alike.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget


def hint_label(text: str = "", wrap: bool = True, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.PlainText)  # hints may hold names and paths: shown as written
    label.setWordWrap(wrap)
    colour = QApplication.palette().windowText().color()
    label.setStyleSheet(f"color: rgba({colour.red()}, {colour.green()}, {colour.blue()}, 170);")
    return label
