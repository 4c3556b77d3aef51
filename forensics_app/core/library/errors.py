"""Everything that can go wrong with a library, each worded for the user.

Every error says what happened and what to do, and names ``--library`` and the
environment variable, so the CLI can print it and the GUI can show it as it stands.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from forensics_app.core.library.location import LIBRARY_ENV

__all__ = [
    "GeneratorExistsError",
    "LibraryCorruptError",
    "LibraryError",
    "LibraryExtractorMismatchError",
    "LibraryImportError",
    "LibraryInterruptedError",
    "LibraryLockedError",
    "LibraryNotFoundError",
    "LibraryWriteError",
    "RebuildCancelled",
    "UnknownGeneratorError",
]


class LibraryError(Exception):
    """A library that cannot be used as asked; the message says why and what to do."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take their own constructor arguments; rebuilding from the stored
        # message and attributes keeps every one of them picklable (worker processes).
        return (_restore_error, (type(self), self.args, self.__dict__))


def _restore_error(cls: type[LibraryError], args: tuple[Any, ...], state: dict[str, Any]) -> LibraryError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LibraryNotFoundError(LibraryError):
    """The library file does not exist and creating it was not asked for."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(
            f"There is no library at {path}. Enrol a generator to create one, or point "
            f"--library (or {LIBRARY_ENV}) at an existing library file."
        )
        self.path = str(path)


class LibraryCorruptError(LibraryError):
    """The file is not a library this program can read; it is left byte-for-byte as it was."""

    def __init__(self, path: str | os.PathLike[str], detail: str) -> None:
        super().__init__(
            f"{path} is not a usable forensics-app library: {detail}. The file was left "
            f"untouched. Move it aside, or point --library (or {LIBRARY_ENV}) at another "
            "file; a new library is created where no file exists yet."
        )
        self.path = str(path)
        self.detail = detail


class LibraryImportError(LibraryError):
    """An incoming library breaks the rules enrolment applies; nothing of it was imported."""

    def __init__(self, path: str | os.PathLike[str], problems: Sequence[str]) -> None:
        listed = "".join(f"\n  {problem}" for problem in problems)
        super().__init__(
            f"{path} was not imported: nothing was changed in your library. It breaks the rules that "
            f"enrolment applies ({len(problems)} problem(s) shown):{listed}\nAsk its author for a clean export."
        )
        self.path = str(path)
        self.problems = list(problems)


class LibraryLockedError(LibraryError):
    """Another program holds the library's write lock."""

    def __init__(self, path: str | os.PathLike[str], action: str) -> None:
        super().__init__(
            f"Could not {action}: the library {path} is in use by another program or window "
            "(the database is locked). Nothing was changed. Close the other program, or wait "
            "for it to finish, then try again."
        )
        self.path = str(path)
        self.action = action


class LibraryWriteError(LibraryError):
    """The file system refused the operation: folder not writable, disk full, unreadable file."""

    def __init__(self, path: str | os.PathLike[str], action: str, detail: str) -> None:
        super().__init__(
            f"Could not {action} ({path}): {detail}. Nothing was changed. Check that the "
            "folder exists and is writable and that the disk has free space, or choose "
            f"another library with --library (or {LIBRARY_ENV})."
        )
        self.path = str(path)
        self.action = action
        self.detail = detail


class LibraryInterruptedError(LibraryError):
    """A write was interrupted and its journal waits beside the file, on media that cannot be written.

    SQLite rolls such a change back the next time the file is opened, which needs the folder
    to be writable; until then the library cannot be read, even read-only.
    """

    def __init__(self, path: str | os.PathLike[str], journal: str | os.PathLike[str]) -> None:
        super().__init__(
            f"The library {path} was left in the middle of a change (the journal {journal} beside it holds the "
            "interrupted write), and the folder cannot be written, so the change cannot be undone and the library "
            "cannot be read. Nothing was changed. Copy the library and its journal file together into a writable "
            "folder and open it there: the interrupted change is then undone and the library is as it was before it."
        )
        self.path = str(path)
        self.journal = str(journal)


class LibraryExtractorMismatchError(LibraryError):
    """The library was built with other extractor weights; its embeddings cannot be mixed.

    ``reenrollable`` maps each generator name to those of its reference image paths that
    still exist, which is what a re-enrolment with the current weights can work from.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        library_id: str,
        current_id: str,
        reenrollable: dict[str, list[str]],
        stored_references: int,
        generator_count: int,
    ) -> None:
        existing = sum(len(paths) for paths in reenrollable.values())
        super().__init__(
            f"The library {path} was built with extractor {library_id}, but the current "
            f"extractor is {current_id}. Its reference embeddings were computed with other "
            "weights and cannot be mixed with fingerprints from these. "
            f"{existing} of its {stored_references} reference image(s) still exist at their "
            f"enrolment paths, covering {len(reenrollable)} of its {generator_count} "
            "generator(s): re-enrol from them to rebuild the library with the current weights "
            f"(the old file is kept as {Path(path).name}.bak-{library_id}), or use the "
            f"extractor {library_id} with this library."
        )
        self.path = str(path)
        self.library_id = library_id
        self.current_id = current_id
        self.reenrollable = reenrollable
        self.stored_references = stored_references


class GeneratorExistsError(LibraryError):
    """A generator of that name (ignoring case) is already enrolled."""

    def __init__(self, name: str, hint: str = "choose another name, or add the images to it as references") -> None:
        super().__init__(
            f"A generator named '{name}' is already enrolled (names are compared without "
            f"regard to case): {hint}."
        )
        self.name = name


class UnknownGeneratorError(LibraryError):
    """No generator of that name is enrolled; close names are suggested."""

    def __init__(self, name: str, suggestions: Sequence[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"No generator named '{name}' is enrolled in this library.{hint} "
            "List the enrolled generators to see their exact names."
        )
        self.name = name
        self.suggestions = list(suggestions)


class RebuildCancelled(LibraryError):
    """A rebuild was cancelled; the library was left as it was."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(f"The rebuild of {path} was cancelled; the library was left as it was.")
        self.path = str(path)
