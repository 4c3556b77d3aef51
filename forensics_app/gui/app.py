"""Start-up of the desktop app."""

from __future__ import annotations

import sys

from forensics_app import __version__


def run_gui(device: str = "auto", argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("forensics-app")
    app.setOrganizationName("forensics-app")
    app.setApplicationVersion(__version__)
    window = MainWindow(device=device)
    if window.extractor is None:
        print(f"warning: {window.extractor_problem}", file=sys.stderr)
    window.show()
    return app.exec()
