"""Which files a list of paths and folders stands for, in a fixed order.

Intake, the CLI, evaluation and training all expand folders the same way, so the same
folder always yields the same images in the same order, and a named file is never
silently dropped: it is passed on so that intake can say why it cannot be used.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from forensics_app.core.evidence_errors import UnreadableFileError

__all__ = ["IMAGE_EXTENSIONS", "iter_image_files"]

#: Extensions picked up when a *folder* is scanned (files named explicitly are always
#: taken).  Only formats that Pillow in this installation can read are listed, so a scan
#: never collects files that are certain to be rejected.
_CANDIDATE_EXTENSIONS = (
    ".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp",
    ".tif", ".tiff", ".avif", ".heic", ".heif",
)


def _readable_extensions() -> tuple[str, ...]:
    """The candidate extensions that Pillow has a reader registered for."""
    Image.init()
    registered = Image.registered_extensions()
    readable = {ext for ext, fmt in registered.items() if fmt in Image.OPEN}
    return tuple(ext for ext in _CANDIDATE_EXTENSIONS if ext in readable)


IMAGE_EXTENSIONS: tuple[str, ...] = _readable_extensions()


def iter_image_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand the given paths into the list of files to take in, in a fixed order.

    Files named explicitly are kept whatever their extension (and even if missing), so
    that :func:`~forensics_app.core.evidence.open_evidence` reports why they cannot be
    used instead of them silently vanishing.  Folders are walked recursively in sorted order; inside them only files
    with an extension in ``IMAGE_EXTENSIONS`` (any case) are kept, and hidden files and
    folders are skipped.  A file reached twice is listed once, where first reached.
    A folder that cannot be listed raises :class:`UnreadableFileError`.
    """
    found: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        candidates = _walk_folder(path) if path.is_dir() else [path]
        for candidate in candidates:
            key = os.path.normcase(os.path.abspath(candidate))
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _walk_folder(folder: Path) -> list[Path]:
    """Image files under ``folder``, sorted, depth-first, hidden entries skipped."""

    def fail(error: OSError) -> None:
        where = error.filename or str(folder)
        raise UnreadableFileError(
            where,
            f"this folder cannot be listed ({error.strerror or error}); check the "
            "permissions or choose the files individually",
        )

    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=fail):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not _is_hidden(root_path / d))
        for name in sorted(names):
            candidate = root_path / name
            if candidate.suffix.lower() in IMAGE_EXTENSIONS and not _is_hidden(candidate):
                files.append(candidate)
    return files


def _is_hidden(path: Path) -> bool:
    """Dot-files everywhere, and the hidden attribute on Windows."""
    if path.name.startswith("."):
        return True
    try:
        attributes = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))
