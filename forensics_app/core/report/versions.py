"""The software versions a reader needs to reproduce the analysis."""

from __future__ import annotations

import platform
from collections.abc import Mapping

import numpy as np

from forensics_app import __version__


def _package_version(module: str) -> str:
    """Installed version of the distribution that provides `module`, without importing it
    (core never imports Qt).  PySide6, for one, is installed as 'PySide6_Essentials'."""
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    for name in packages_distributions().get(module, []) + [module]:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "not installed"


def software_versions(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The versions a reader needs to reproduce the analysis; `overrides` win.

    Qt is given as the installed PySide6 version; the desktop app passes the running
    Qt's own version (``{"Qt": qVersion()}``) since it has Qt loaded anyway.
    """
    import reportlab
    import torch

    pyside = _package_version("PySide6")
    versions = {
        "forensics-app": __version__,
        "Python": platform.python_version(),
        "torch": torch.__version__,
        "Qt": pyside if pyside == "not installed" else f"PySide6 {pyside}",
        "numpy": np.__version__,
        "ReportLab": reportlab.Version,
        "operating system": platform.platform(),
    }
    versions.update({str(k): str(v) for k, v in (overrides or {}).items()})
    return versions
