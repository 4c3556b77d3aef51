"""Message boxes whose text is always shown as written, never interpreted as rich text.

QMessageBox's static helpers guess the format (``Qt.AutoText``, decided by
``Qt.mightBeRichText``): a generator named ``<b>VERIFIED MATCH</b>`` from an imported
library, or a file name with markup, would be rendered as formatting the program never
wrote.  Every message that can hold a name, note, path or error text goes through these
functions.  Text Qt would take for rich text is escaped (and its line breaks kept), so
it renders to exactly the characters given; other text is passed as it is.  They call
the static helpers at call time, with the same signatures, so a call site changes only
its module.
"""

from __future__ import annotations

import html

from PySide6.QtGui import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["as_shown", "critical", "information", "question", "warning"]


def as_shown(text: object) -> str:
    """`text` in a form Qt's automatic format displays literally, character for character."""
    value = str(text)
    if not Qt.mightBeRichText(value):
        return value
    return f"<p style='white-space: pre-wrap'>{html.escape(value)}</p>"


def information(parent: QWidget | None, title: str, text: str, *args: object) -> int:
    return QMessageBox.information(parent, title, as_shown(text), *args)


def warning(parent: QWidget | None, title: str, text: str, *args: object) -> int:
    return QMessageBox.warning(parent, title, as_shown(text), *args)


def critical(parent: QWidget | None, title: str, text: str, *args: object) -> int:
    return QMessageBox.critical(parent, title, as_shown(text), *args)


def question(parent: QWidget | None, title: str, text: str, *args: object) -> int:
    return QMessageBox.question(parent, title, as_shown(text), *args)
