"""The window's actions, menus and toolbar: what the analyst can do, with its shortcut and tip.

Each action calls the controller that does the work (case files, runner, settings,
exports, library); the window only owns them, so a shortcut works wherever the focus is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar, QWidget

from forensics_app.gui.exports import report_module_available

S = QStyle.StandardPixmap
#: Each action's text, shortcut, icon and tip, by the name the window gives its slot.
ACTIONS: dict[str, tuple] = {
    "new": ("&New case", QKeySequence.New, S.SP_FileDialogNewFolder),
    "open": ("&Open case...", QKeySequence.Open, S.SP_DialogOpenButton),
    "save": ("&Save case", QKeySequence.Save, S.SP_DialogSaveButton),
    "save_as": ("Save case &as...", QKeySequence("Ctrl+Shift+S")),
    "details": ("Case &details...",),
    "add_images": ("Add &images...", "Ctrl+I", S.SP_FileIcon, "Add image files to the case"),
    "add_folder": ("Add &folder...", "Ctrl+Shift+I", S.SP_DirOpenIcon, "Add every image in a folder and its subfolders"),
    "csv": ("Export table as &CSV...", "Ctrl+Shift+X"),
    "report": ("Export &report (PDF)...", "Ctrl+R", S.SP_FileDialogDetailedView, "Write the evidence report of this case"),
    "quit": ("&Quit", QKeySequence.Quit),
    "copy_hashes": ("Copy &SHA-256 of selected images", "Ctrl+Shift+C"),
    "remove": ("&Remove selected exhibits from the case...", QKeySequence.Delete),
    "note": ("&Note on the selected exhibit...", "Ctrl+E"),
    "filter": ("&Filter rows", QKeySequence.Find),
    "settings": ("Se&ttings...", "Ctrl+,"),
    "cancel": ("&Cancel running job", "Esc", S.SP_BrowserStop),
    "rerun": ("&Re-run analysis", "F5", S.SP_BrowserReload, "Rank, group and map all images again"),
    "refingerprint": ("Re-&fingerprint all images",),
    "enrol_selection": ("&Enrol selected images as a generator...", "Ctrl+Shift+E"),
    "enrol_folder": ("Enrol generator from &folder...",),
    "about": ("&About", "F1"),
}
MENUS = {
    "&File": ("new", "open", "recent", "save", "save_as", None, "details", None, "add_images", "add_folder", None,
              "csv", "report", None, "quit"),
    "&Edit": ("copy_hashes", "filter", "note", "remove", None, "settings"),
    "&Analysis": ("rerun", "refingerprint", "cancel", None, "enrol_selection", "enrol_folder"),
    "&Help": ("about",),
}
TOOLBAR = ("open", "save", None, "add_images", "add_folder", None, "rerun", "cancel", None, "report")
#: Actions the evidence table's context menu offers.
TABLE_ACTIONS = ("copy_hashes", "note", "enrol_selection", "remove")


def _action(owner: QWidget, slot: Callable[[], object], text: str, shortcut=None,
            icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
    action = QAction(text, owner)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if icon is not None:
        action.setIcon(owner.style().standardIcon(icon))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda checked=False: slot())
    owner.addAction(action)  # shortcuts work wherever the focus is
    return action


def build_actions(owner: QWidget, slots: Mapping[str, Callable[[], object]], table: QWidget) -> dict[str, QAction]:
    """One action per entry of :data:`ACTIONS`, calling `slots[name]`; Cancel starts disabled."""
    actions = {name: _action(owner, slots[name], *spec) for name, spec in ACTIONS.items()}
    actions["report"].setEnabled(report_module_available())
    if not actions["report"].isEnabled():
        actions["report"].setStatusTip("The report module is not installed in this build")
    actions["cancel"].setEnabled(False)
    actions["cancel"].setIconText("Cancel")
    for name in TABLE_ACTIONS:
        table.addAction(actions[name])
    return actions


def build_menus(window: QMainWindow, actions: Mapping[str, QAction], fill_recent: Callable[[QMenu], None]) -> QMenu:
    """The menu bar and the main toolbar; the recent-cases menu, filled each time it opens."""
    recent = QMenu()
    for title, names in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            elif name == "recent":
                recent = menu.addMenu("Open &recent")
                recent.aboutToShow.connect(lambda: fill_recent(recent))
            else:
                menu.addAction(actions[name])
    toolbar = QToolBar("Main")
    toolbar.setObjectName("main_toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
    for name in TOOLBAR:
        toolbar.addSeparator() if name is None else toolbar.addAction(actions[name])
    window.addToolBar(toolbar)
    fill_recent(recent)
    return recent
