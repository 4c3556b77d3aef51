"""Read a file only when it is a plain file of bounded size: never a FIFO, device or socket.

Evidence, case files, library files and the report's re-check all read files a user
chose, and a user's folder can hold anything: a named pipe called ``x.png`` (an
unbounded ``read()`` blocks forever), a symbolic link to ``/dev/zero`` (reads until
memory runs out), a file swapped for a pipe between two steps of a run.  Every such read
goes through :func:`read_regular_file`, which

* refuses anything whose target is not a regular file, before opening it;
* refuses a file larger than the caller's limit, before reading it;
* opens without blocking (``O_NONBLOCK``), so a path swapped for a pipe after the check
  cannot hang the open, then checks the *opened* descriptor again with ``fstat``;
* reads at most ``limit + 1`` bytes, so a file that grows while it is read is caught.

The caller words the refusal for its own users (evidence, case, library): this module
raises :class:`FileRefused` whose ``reason`` is a plain sentence fragment.
"""

from __future__ import annotations

import os
import stat

__all__ = ["FileRefused", "kind_of", "read_regular_file", "regular_file_size"]

_CHUNK = 1 << 20


class FileRefused(OSError):
    """A path that is not a readable regular file within the size limit; `reason` says why."""

    def __init__(self, path: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
        self.missing = missing

    def __str__(self) -> str:
        return self.reason


def kind_of(mode: int) -> str:
    """What a non-regular file is, in the words an analyst would use."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device (such as /dev/zero)"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _not_regular(path: str, mode: int) -> FileRefused:
    return FileRefused(path, f"this is {kind_of(mode)}, not a regular file, so it is not read; "
                             "copy the data into an ordinary file and use that")


def _too_large(path: str, size: int | None, limit: int) -> FileRefused:
    got = f"{size:,} bytes" if size is not None else "more bytes"
    return FileRefused(path, f"the file holds {got}, above the limit of {limit:,} bytes for this kind of file; "
                             "check that it is the file intended")


def regular_file_size(path: str | os.PathLike[str]) -> int:
    """The size of a regular file (symbolic links followed); :class:`FileRefused` otherwise."""
    where = os.fspath(path)
    try:
        info = os.stat(where)
    except FileNotFoundError:
        raise FileRefused(where, "no such file; check the path, or whether the file was moved or deleted",
                          missing=True) from None
    except PermissionError:
        raise FileRefused(where, "permission denied; ask for read access, or work on a copy you can read") from None
    except OSError as exc:
        raise FileRefused(where, f"the operating system could not read it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(where, info.st_mode)
    return info.st_size


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """All bytes of a regular file of at most `limit` bytes, read once, read-only."""
    where = os.fspath(path)
    size = regular_file_size(where)
    if size > limit:
        raise _too_large(where, size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(where, flags)
    except FileNotFoundError:
        raise FileRefused(where, "the file disappeared while it was being opened", missing=True) from None
    except PermissionError:
        raise FileRefused(where, "permission denied; ask for read access, or work on a copy you can read") from None
    except OSError as exc:
        raise FileRefused(where, f"the operating system could not open it ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped for a pipe or device after the first check
            raise _not_regular(where, mode)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_large(where, None, limit)
        return b"".join(chunks)
    except FileRefused:
        raise
    except OSError as exc:
        raise FileRefused(where, f"the operating system could not read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
