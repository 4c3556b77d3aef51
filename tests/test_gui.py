"""The desktop window driven through its real widgets (pytest-qt, offscreen)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from forensics_app.gui.main_window import MainWindow
from tests.tiny_generators import generate, save_pngs


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


def drop(window: MainWindow, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)


def wait_idle(qtbot, window: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: window.worker is None, timeout=timeout)


def test_drop_of_files_and_folders_fills_the_table_off_the_gui_thread(qtbot, window, tmp_path):
    folder = tmp_path / "folder"
    save_pngs(generate("nearest", 3), folder / "nested", "n")
    single = save_pngs(generate("bilinear", 1), tmp_path / "single", "b")[0]
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    gui_thread = threading.get_ident()
    drop(window, [folder, single, corrupt])
    worker = window.worker
    assert worker is not None
    wait_idle(qtbot, window)
    assert worker.thread_id is not None and worker.thread_id != gui_thread
    assert window.model.rowCount() == 5
    statuses = [window.model.index(r, 5).data() for r in range(5)]
    assert statuses.count("fingerprinted") == 4
    assert any(s.startswith("rejected:") for s in statuses)
    assert all(window.model.index(r, 9).data() != "" for r in range(5) if statuses[r] == "fingerprinted")
    assert window.isWindowModified()


def test_the_same_file_is_not_added_twice(qtbot, window, tmp_path):
    paths = save_pngs(generate("shuffle", 2), tmp_path, "s")
    drop(window, paths)
    wait_idle(qtbot, window)
    copy = tmp_path / "copy.png"
    copy.write_bytes(paths[0].read_bytes())
    drop(window, [copy])
    wait_idle(qtbot, window)
    assert window.model.rowCount() == 2


def test_cancel_stops_a_long_batch_and_keeps_what_was_done(qtbot, window, tmp_path):
    paths = save_pngs(generate("transposed", 40, size=256), tmp_path, "t")
    window.add_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: window.progress.value() > 0, timeout=30_000)
    window.cancel_work()
    wait_idle(qtbot, window)
    assert 0 < window.model.rowCount() < 40


def test_saving_and_reopening_a_case_restores_the_table(qtbot, window, tmp_path, settings):
    drop(window, save_pngs(generate("nearest", 3), tmp_path, "n"))
    wait_idle(qtbot, window)
    path = tmp_path / "case.fcase"
    assert window.write_case(path)
    assert not window.isWindowModified() and "case.fcase" in window.windowTitle()
    rows = [[window.model.index(r, c).data() for c in range(10)] for r in range(3)]
    other = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(other)
    assert other.open_case(path)
    assert [[other.model.index(r, c).data() for c in range(10)] for r in range(3)] == rows


def test_window_geometry_survives_a_restart(qtbot, settings):
    first = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(first)
    first.resize(700, 500)
    first.show()
    first.close()
    second = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


def test_missing_weights_are_explained(qtbot, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(tmp_path / "none"))
    window = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(window)
    assert window.extractor is None
    assert "no extractor weights are bundled" in window.empty_hint.text()
