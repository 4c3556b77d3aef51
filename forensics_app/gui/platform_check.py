"""Before the window opens on Linux: are the system libraries Qt's X11 plugin needs there?

Without them Qt cannot load its ``xcb`` platform plugin and ends the process with a
message that names the plugin, not what is missing (a fresh Debian desktop lacks
``libxcb-cursor0``, ``libxcb-icccm4`` and friends).  The plugin's own libraries are asked
with ``ldd`` first, so the analyst is told which libraries are missing and the command
that installs them, and the program exits cleanly instead of aborting.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["debian_package", "missing_libraries", "platform_problem"]

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def debian_package(soname: str) -> str:
    """The Debian and Ubuntu package of a library by its soname: libxcb-icccm.so.4 -> libxcb-icccm4.

    Debian names a library package after its soname, with a hyphen before the version
    where the name itself ends in a digit (libxkbcommon-x11.so.0 -> libxkbcommon-x11-0).
    """
    name, _, version = soname.partition(".so.")
    name = name.lower()
    if not version:
        return name
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def _plugin_files() -> list[Path]:
    import PySide6

    qt = Path(PySide6.__file__).resolve().parent / "Qt"
    return [path for path in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6")
            if path.is_file()]


def missing_libraries(files: list[Path] | None = None, ldd: str | None = None) -> list[str]:
    """Sonames the X11 plugin's libraries need and the system lacks, as ``ldd`` reports them."""
    ldd = ldd or shutil.which("ldd")
    if ldd is None:
        return []
    missing: list[str] = []
    for path in files if files is not None else _plugin_files():
        try:
            listing = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        missing += _NOT_FOUND.findall(listing)
    missing = list(dict.fromkeys(missing))
    if files is None and not _loadable("xcb-cursor"):
        missing.append("libxcb-cursor.so.0")  # opened by Qt 6.5+ at start, so ldd does not list it
    return missing


def _loadable(name: str) -> bool:
    import ctypes.util

    return ctypes.util.find_library(name) is not None


def _uses_xcb(environ: dict[str, str]) -> bool:
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    return not environ.get("WAYLAND_DISPLAY")  # Qt takes Wayland where it runs, else X11


def platform_problem(environ: dict[str, str] | None = None, platform: str | None = None,
                     missing: list[str] | None = None) -> str | None:
    """What to tell the analyst when the window cannot start for want of system libraries; None when it can."""
    environ = dict(os.environ if environ is None else environ)
    if (platform or sys.platform) != "linux" or not _uses_xcb(environ):
        return None
    missing = missing_libraries() if missing is None else missing
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (f"The window cannot start: Qt's X11 platform plugin needs system libraries that are not installed "
            f"({', '.join(missing)}). On Debian or Ubuntu install them with:\n"
            f"    sudo apt-get install {packages}\n"
            "(on other systems, the packages that provide these libraries). The headless commands work without them: "
            "forensics-app --help.")
