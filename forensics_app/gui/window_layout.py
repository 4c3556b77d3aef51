"""The window's layout kept between sessions: geometry, splitters, table columns, map colouring.

The table header's key is versioned (`preferences.TABLE_HEADER_KEY`), so a column order
saved by an earlier version never puts columns where the analyst does not expect them.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter

from forensics_app.gui.preferences import TABLE_HEADER_KEY
from forensics_app.gui.widgets.map_view import MapView

DEFAULT_SIZE = (1440, 900)


def restore_layout(settings: QSettings, window: QMainWindow, splitters: dict[str, QSplitter], header: QHeaderView,
                   map_view: MapView) -> None:
    geometry = settings.value("main_window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(*DEFAULT_SIZE)
    for name, splitter in splitters.items():
        state = settings.value(f"main_window/splitter_{name}")
        if state is not None:
            splitter.restoreState(state)
    state = settings.value(TABLE_HEADER_KEY)
    if state is not None:
        header.restoreState(state)
    map_view.set_colour_mode(str(settings.value("main_window/map_colour", "cluster")))


def save_layout(settings: QSettings, window: QMainWindow, splitters: dict[str, QSplitter], header: QHeaderView,
                map_view: MapView) -> None:
    settings.setValue("main_window/geometry", window.saveGeometry())
    for name, splitter in splitters.items():
        settings.setValue(f"main_window/splitter_{name}", splitter.saveState())
    settings.setValue(TABLE_HEADER_KEY, header.saveState())
    settings.setValue("main_window/map_colour", map_view.colour_mode())
    settings.sync()
