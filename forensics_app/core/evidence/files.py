"""Which files a list of paths and folders stands for, in a fixed order, and what was left out.

Intake, the CLI, evaluation and training all expand folders the same way, so the same
folder always yields the same images in the same order, and a named file is never
silently dropped: it is passed on so that intake can say why it cannot be used.  A folder
scan also accounts for every entry it did not take (not an image extension, hidden, a
linked folder not followed, a subfolder that cannot be listed), each with its reason, so
an analyst can see that nothing in an evidence folder vanished unmentioned.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from forensics_app.core.evidence.errors import UnreadableFileError
from forensics_app.core.evidence.formats import ACCEPTED_FORMATS

__all__ = ["IMAGE_EXTENSIONS", "ScanResult", "Skipped", "iter_image_files", "scan_paths"]

#: Extensions picked up when a *folder* is scanned (files named explicitly are always
#: taken).  Only formats that Pillow in this installation can read are listed, so a scan
#: never collects files that are certain to be rejected.
_CANDIDATE_EXTENSIONS = (
    ".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp",
    ".tif", ".tiff", ".avif", ".heic", ".heif", ".hif",
)


def _readable_extensions() -> tuple[str, ...]:
    """The candidate extensions that Pillow has a reader registered for."""
    Image.init()
    registered = Image.registered_extensions()
    readable = {ext for ext, fmt in registered.items() if fmt in Image.OPEN and fmt in ACCEPTED_FORMATS}
    return tuple(ext for ext in _CANDIDATE_EXTENSIONS if ext in readable)


IMAGE_EXTENSIONS: tuple[str, ...] = _readable_extensions()


@dataclass(frozen=True)
class Skipped:
    """An entry of a scanned folder that was not taken in, and why.

    ``unreadable`` marks a subfolder that could not be listed: images may be hidden in it,
    so it counts as a rejection, not as a deliberate skip.
    """

    path: Path
    reason: str
    unreadable: bool = False


@dataclass
class ScanResult:
    """The files to take in, in order, and every scanned entry left out with its reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def iter_image_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand the given paths into the list of files to take in, in a fixed order.

    Files named explicitly are kept whatever their extension (and even if missing), so
    that :func:`~forensics_app.core.evidence.open_evidence` reports why they cannot be
    used instead of them silently vanishing.  Folders are walked recursively in sorted
    order; inside them only files with an extension in ``IMAGE_EXTENSIONS`` (any case)
    are kept, and hidden files and folders are skipped.  A file reached twice is listed
    once, where first reached.  A folder that cannot be listed raises
    :class:`UnreadableFileError`; :func:`scan_paths` reports it instead, with every
    other entry left out.
    """
    result = scan_paths(paths)
    for entry in result.skipped:
        if entry.unreadable:
            raise UnreadableFileError(entry.path, entry.reason)
    return result.files


def scan_paths(paths: Iterable[str | os.PathLike[str]]) -> ScanResult:
    """:func:`iter_image_files`, with every entry not taken listed instead of dropped."""
    result = ScanResult()
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = _walk_folder(path, result.skipped)
        else:
            candidates = [path]
        for candidate in candidates:
            key = os.path.normcase(os.path.abspath(candidate))
            if key not in seen:
                seen.add(key)
                result.files.append(candidate)
    return result


def _walk_folder(folder: Path, skipped: list[Skipped]) -> list[Path]:
    """Image files under ``folder``, sorted, depth-first; every other entry into `skipped`."""

    def unlistable(error: OSError) -> None:
        where = Path(error.filename or folder)
        skipped.append(Skipped(where, f"this folder cannot be listed ({error.strerror or error}); its images were "
                                      "not analysed; check the permissions or choose the files individually",
                               unreadable=True))

    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=unlistable):
        root_path = Path(root)
        kept = []
        for name in sorted(dirs):
            sub = root_path / name
            if _is_hidden(sub):
                skipped.append(Skipped(sub, "hidden folder, not scanned; add it explicitly to analyse its images"))
            elif sub.is_symlink():
                skipped.append(Skipped(sub, "link to a folder, not followed (it may lead outside the evidence or "
                                            "loop); add its target explicitly to analyse its images"))
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(names):
            candidate = root_path / name
            reason = _left_out(candidate)
            if reason is None:
                files.append(candidate)
            else:
                skipped.append(Skipped(candidate, reason))
    return files


def _left_out(candidate: Path) -> str | None:
    """Why a file in a scanned folder is not taken in, or None when it is."""
    if _is_hidden(candidate):
        return "hidden file, skipped; name it explicitly to analyse it"
    suffix = candidate.suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return None
    if suffix in _CANDIDATE_EXTENSIONS:
        return (f"{suffix} images need a decoder this installation lacks (for HEIC/HEIF: pip install "
                "pillow-heif); name the file explicitly to see the full reason")
    if not suffix:
        return "no file extension, so not taken as an image; name it explicitly to try it"
    return f"the extension {suffix} is not an accepted image type; name the file explicitly to try it"


def _is_hidden(path: Path) -> bool:
    """Dot-files everywhere, and the hidden attribute on Windows."""
    if path.name.startswith("."):
        return True
    try:
        attributes = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))
