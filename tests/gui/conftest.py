"""Fixtures of the window's tests: its own settings file, answered dialogs, a shown window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from forensics_app.gui.main_window import MainWindow


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """Modal dialogs would block an offscreen test: answer them and record what they said."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.Discard)
    for name in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda parent, title, text, *a, **k: shown.append(text))
    return shown


@pytest.fixture
def window(qtbot, settings):
    window = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(window)
    window.show()
    return window
