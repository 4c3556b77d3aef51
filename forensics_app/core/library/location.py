"""Where the library file is: an explicit path, the environment, or the user data folder.

Kept apart from the library itself because error messages, the CLI and the GUI all name
the same variable and the same default, and none of them should need SQLite to do so.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["LIBRARY_ENV", "LIBRARY_FILE_NAME", "default_library_path"]

#: Environment variable naming the library file (below ``--library``, above the default).
LIBRARY_ENV = "FORENSICS_APP_LIBRARY"
LIBRARY_FILE_NAME = "library.sqlite"


def default_library_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The library to use: an explicit path, else ``FORENSICS_APP_LIBRARY``, else the user data folder."""
    if explicit is not None and str(explicit):
        return Path(explicit).expanduser()
    from_env = os.environ.get(LIBRARY_ENV)
    if from_env:
        return Path(from_env).expanduser()
    from forensics_app.paths import user_data_dir

    return user_data_dir() / LIBRARY_FILE_NAME
