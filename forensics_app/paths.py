"""Where the program finds its bundled resources and keeps its user data.

Resources sit beside the package in a source checkout and under `sys._MEIPASS` in a
PyInstaller bundle; `FORENSICS_APP_RESOURCES` overrides both (tests, custom weights).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    override = os.environ.get("FORENSICS_APP_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def extractor_dir() -> Path:
    """Folder of the bundled extractor: weights (safetensors) and model card (JSON)."""
    override = os.environ.get("FORENSICS_APP_EXTRACTOR")
    return Path(override) if override else resources_dir() / "extractor"


def user_data_dir() -> Path:
    """The per-user data folder (library, settings); created on first use."""
    from platformdirs import user_data_path

    return user_data_path("forensics-app", appauthor=False, ensure_exists=True)
