"""Start-up of the desktop app."""

from __future__ import annotations

import sys

from forensics_app import __version__


def run_gui(device: str = "auto", argv: list[str] | None = None) -> int:
    """Open the main window; `device` other than 'auto' overrides the saved setting for
    this run only (the command line's --device), 'auto' leaves the setting in charge."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui.main_window import MainWindow
    from forensics_app.gui.platform_check import platform_problem
    from forensics_app.gui.widgets.icons import app_icon

    problem = platform_problem() if QApplication.instance() is None else None
    if problem:
        print(problem, file=sys.stderr)
        return 2

    if QApplication.instance() is None:
        # fractional scale factors (150 %) as they are, not rounded to 1x or 2x
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("forensics-app")
    app.setApplicationDisplayName("Forensics App")
    app.setOrganizationName("forensics-app")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    window = MainWindow(device=None if device in (None, "auto") else device)
    if window.session.extractor is None:
        print(f"warning: {window.session.extractor_problem}", file=sys.stderr)
    window.show()
    return app.exec()
