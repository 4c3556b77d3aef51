"""Starting the window on a desktop that lacks Qt's X11 libraries: said plainly, with the command."""

from __future__ import annotations

import stat
from pathlib import Path

from forensics_app.gui import platform_check
from forensics_app.gui.platform_check import debian_package, missing_libraries, platform_problem


def test_debian_packages_are_named_after_their_sonames():
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libEGL.so.1") == "libegl1"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"


def test_missing_libraries_are_read_from_ldd(tmp_path: Path):
    fake = tmp_path / "ldd"
    fake.write_text("#!/bin/sh\necho '\tlibxcb.so.1 => /usr/lib/libxcb.so.1 (0x1)'\n"
                    "echo '\tlibxcb-icccm.so.4 => not found'\necho '\tlibxcb-keysyms.so.1 => not found'\n"
                    "echo '\tlibxcb-icccm.so.4 => not found'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    assert missing_libraries([plugin], ldd=str(fake)) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_the_message_names_what_is_missing_and_the_command(monkeypatch):
    problem = platform_problem({"DISPLAY": ":0"}, "linux", ["libxcb-icccm.so.4", "libxcb-cursor.so.0"])
    assert "libxcb-icccm.so.4" in problem and "sudo apt-get install libxcb-icccm4 libxcb-cursor0" in problem
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", ["libxcb-icccm.so.4"]) is None
    assert platform_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux", ["libxcb-icccm.so.4"]) is None
    assert platform_problem({}, "darwin", ["libxcb-icccm.so.4"]) is None
    assert platform_problem({"DISPLAY": ":0"}, "linux", []) is None


def test_the_gui_command_exits_with_the_message_instead_of_aborting(monkeypatch, capsys):
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui.app import run_gui

    monkeypatch.setattr(platform_check, "missing_libraries", lambda: ["libxcb-icccm.so.4"])
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(QApplication, "instance", staticmethod(lambda: None))
    assert run_gui() == 2
    assert "sudo apt-get install libxcb-icccm4" in capsys.readouterr().err
