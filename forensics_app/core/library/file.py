"""The library's SQLite file: its layout, its stamp, and the only safe ways to open it.

Everything here works on the file, not on an open :class:`~forensics_app.core.library.Library`:
reading the stamp of a library made with other weights, refusing a foreign file from its
header before SQLite touches it, creating a new file atomically, and turning SQLite and OS
failures into errors the user can act on.  The library, its rebuild and its import of
another file all open files through these functions, so a file is checked the same way
whichever door it comes in by.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from forensics_app.core.library.errors import (
    LibraryCorruptError,
    LibraryError,
    LibraryExtractorMismatchError,
    LibraryInterruptedError,
    LibraryLockedError,
    LibraryNotFoundError,
    LibraryWriteError,
)
from forensics_app.core.regular_file import kind_of

__all__ = [
    "APPLICATION_ID",
    "DEFAULT_TIMEOUT_S",
    "SCHEMA_VERSION",
    "LibraryMeta",
    "check_header",
    "check_no_code",
    "connect_file",
    "create_library_file",
    "embeddings_from_blobs",
    "mismatch_error",
    "read_library_meta",
    "read_meta",
    "read_reenrolment_plan",
    "readonly_connection",
    "reenrolment_plan",
    "remove_quietly",
    "sibling_temp",
    "translated",
    "utc_timestamp",
]

#: Version of the table layout below; a file with another version is not read.
SCHEMA_VERSION = 1
#: Written into the SQLite header ("FALB"), so a library is recognised, and any other
#: program's database refused, from the first 100 bytes without opening it in SQLite.
APPLICATION_ID = int.from_bytes(b"FALB", "big")
#: How long to wait for another program's lock before reporting the library as in use:
#: long enough to ride over a short write, short enough not to freeze the user.
DEFAULT_TIMEOUT_S = 2.0

_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE generators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        family TEXT,
        notes TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE "references" (
        id INTEGER PRIMARY KEY,
        generator_id INTEGER NOT NULL REFERENCES generators(id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        embedding BLOB NOT NULL,
        added_at TEXT NOT NULL,
        UNIQUE (generator_id, sha256))""",
)
_REQUIRED_COLUMNS = {
    "meta": {"key", "value"},
    "generators": {"id", "name", "family", "notes", "created_at", "updated_at"},
    "references": {"id", "generator_id", "sha256", "path", "embedding", "added_at"},
}


@dataclass(frozen=True)
class LibraryMeta:
    """What the library file says about itself."""

    schema_version: int
    extractor_id: str
    embedding_dim: int
    created_at: str


def read_library_meta(path: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT_S) -> LibraryMeta:
    """Read a library's stamp (extractor id, embedding size) whatever weights are loaded."""
    path = Path(path)
    with readonly_connection(path, timeout, "read the library") as conn:
        return read_meta(conn, path)


def read_reenrolment_plan(
    path: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT_S
) -> dict[str, dict[str, Any]]:
    """What a re-enrolment with other weights can work from, read without those weights.

    One entry per generator, in name order: ``name``, ``family``, ``notes``, ``paths``
    (reference images still present at their enrolment path), ``missing`` (paths gone)
    and ``sha256s`` (the hashes of the images it was enrolled with, so a file that has
    changed since can be recognised and left out).
    """
    path = Path(path)
    with readonly_connection(path, timeout, "read the library") as conn:
        read_meta(conn, path)
        return reenrolment_plan(conn)


def utc_timestamp() -> str:
    """Now in UTC, ISO 8601 to the second: comparable across machines and time zones."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sibling_temp(path: Path, purpose: str) -> Path:
    """A fresh name in the library's own folder, so the final rename stays on one file system."""
    return path.with_name(f".{path.name}.{purpose}-{secrets.token_hex(4)}.tmp")


def remove_quietly(path: Path) -> None:
    """Clean up a temporary file and its journal; failing to must not hide the error that led here."""
    for candidate in (path, path.with_name(path.name + "-journal")):
        with suppress(OSError):
            candidate.unlink()


def _translate(exc: BaseException, path: Path, action: str) -> LibraryError:
    """Turn an SQLite or OS failure into the library error the user can act on."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return LibraryLockedError(path, action)
    journal = path.with_name(path.name + "-journal")
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in text and journal.exists():
        return LibraryInterruptedError(path, journal)
    if isinstance(exc, sqlite3.DatabaseError) and any(
        word in text for word in ("not a database", "malformed", "corrupt")
    ):
        return LibraryCorruptError(path, f"SQLite reports '{exc}'")
    if isinstance(exc, (sqlite3.OperationalError, OSError)):
        return LibraryWriteError(path, action, str(exc) or type(exc).__name__)
    return LibraryError(f"Could not {action} in the library {path}: {exc}.")


@contextmanager
def translated(path: Path, action: str) -> Iterator[None]:
    try:
        yield
    except LibraryError:
        raise
    except (sqlite3.Error, OSError) as exc:
        raise _translate(exc, path, action) from exc


def check_header(path: Path) -> None:
    """Refuse anything but a library of ours by its first bytes, before SQLite sees it."""
    if path.is_dir():
        raise LibraryCorruptError(path, "it is a folder, not a library file")
    mode = path.stat().st_mode if path.exists() else stat.S_IFREG
    if not stat.S_ISREG(mode):  # a pipe would block the read below, a device never end
        raise LibraryCorruptError(path, f"it is {kind_of(mode)}, not a library file")
    with translated(path, "read the library"):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise LibraryCorruptError(path, "it was replaced by something that is not a file while it was opened")
            header = os.read(fd, 100)
        finally:
            os.close(fd)
    if not header:
        raise LibraryCorruptError(path, "the file is empty")
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise LibraryCorruptError(path, "it is not an SQLite database")
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise LibraryCorruptError(path, "it is an SQLite database of another program, not a library of this one")


def connect_file(path: Path, timeout: float, readonly: bool) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun and ended explicitly, so each
    # operation is exactly one transaction and nothing is committed behind our back.
    if readonly:
        target, uri = f"{path.resolve().as_uri()}?mode=ro", True
    else:
        target, uri = str(path), False
    return sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=uri, check_same_thread=False)


@contextmanager
def readonly_connection(path: Path, timeout: float, action: str) -> Iterator[sqlite3.Connection]:
    """A connection that cannot write, for files whose weights (or origin) are not ours."""
    if not path.exists():
        raise LibraryNotFoundError(path)
    check_header(path)
    with translated(path, action):
        conn = connect_file(path, timeout, readonly=True)
        try:
            conn.execute("BEGIN")
            yield conn
        finally:
            conn.close()


def check_no_code(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a file that carries SQL of its own: triggers, views, generated columns.

    The program never writes any of them, and each would run someone else's SQL inside
    ours: a trigger on ``references`` can replace every embedding an enrolment writes with
    another generator's, silently.  Checked when a file is opened for use (before any write)
    and on the copy an export writes, so such a file is never written to or passed on.  An
    import may still read its rows: reading runs none of that SQL, and only rows are copied.
    """
    found = [f"{kind} {name!r}" for kind, name in conn.execute(
        "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY type, name")]
    for table in _REQUIRED_COLUMNS:
        # table_xinfo's "hidden" is 2 or 3 for generated columns, which compute their values by SQL.
        found += [f"generated column {table}.{row[1]}" for row in conn.execute(f'PRAGMA table_xinfo("{table}")')
                  if row[6] in (2, 3)]
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise LibraryCorruptError(
            path, f"it carries SQL that runs by itself ({shown}); a library of this program never does, so the "
            "file was made or changed by something else and is not used. Import its generators into a library "
            "of your own (library import) if you trust their content"
        )


def read_meta(conn: sqlite3.Connection, path: Path) -> LibraryMeta:
    """Validate the tables and read the stamp; any deviation is a corrupt library."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(set(_REQUIRED_COLUMNS) - tables)
    if missing:
        raise LibraryCorruptError(path, f"it lacks the table(s) {', '.join(missing)}")
    for table, required in _REQUIRED_COLUMNS.items():
        present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        if not required <= present:
            lacking = ", ".join(sorted(required - present))
            raise LibraryCorruptError(path, f"the table {table} lacks column(s) {lacking}")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    version = _as_int(meta.get("schema_version"))
    if version is None:
        raise LibraryCorruptError(path, "it has no valid schema version")
    if version > SCHEMA_VERSION:
        raise LibraryCorruptError(
            path, f"it was written by a newer version of forensics-app (library format {version}; "
            f"this version reads format {SCHEMA_VERSION}); update the program"
        )
    if version != SCHEMA_VERSION:
        raise LibraryCorruptError(path, f"its library format {version} is unknown")
    dim = _as_int(meta.get("embedding_dim"))
    extractor_id = meta.get("extractor_id")
    if not extractor_id or dim is None or dim <= 0:
        raise LibraryCorruptError(path, "its extractor id or embedding size is missing or invalid")
    return LibraryMeta(version, str(extractor_id), dim, str(meta.get("created_at", "")))


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def reenrolment_plan(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    plan: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        'SELECT g.name, g.family, g.notes, r.sha256, r.path FROM generators g '
        'LEFT JOIN "references" r ON r.generator_id = g.id ORDER BY g.name, r.id'
    )
    for name, family, notes, sha256, ref_path in rows:
        entry = plan.setdefault(
            name, {"name": name, "family": family, "notes": notes, "paths": [], "missing": [], "sha256s": []}
        )
        if ref_path is None:
            continue
        entry["sha256s"].append(sha256)
        bucket = entry["paths"] if os.path.isfile(ref_path) else entry["missing"]
        if ref_path not in bucket:
            bucket.append(ref_path)
    return plan


def mismatch_error(
    conn: sqlite3.Connection, path: Path, meta: LibraryMeta, current_id: str
) -> LibraryExtractorMismatchError:
    """The refusal of a library from other weights, with what a re-enrolment can use."""
    plan = reenrolment_plan(conn)
    stored = conn.execute('SELECT COUNT(*) FROM "references"').fetchone()[0]
    reenrollable = {name: entry["paths"] for name, entry in plan.items() if entry["paths"]}
    return LibraryExtractorMismatchError(path, meta.extractor_id, current_id, reenrollable, stored, len(plan))


def create_library_file(path: Path, extractor_id: str, embedding_dim: int) -> None:
    """Write an empty library beside ``path`` and rename it into place in one step."""
    action = "create the library"
    temp = sibling_temp(path, "new")
    try:
        with translated(path, action):
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(temp), isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("BEGIN")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("extractor_id", extractor_id),
                        ("embedding_dim", str(embedding_dim)),
                        ("created_at", utc_timestamp()),
                    ],
                )
                conn.execute("COMMIT")
            finally:
                conn.close()
            os.replace(temp, path)
    finally:
        remove_quietly(temp)


def embeddings_from_blobs(blobs: Sequence[bytes], dim: int, path: Path) -> np.ndarray:
    """Stored blobs -> (n, dim) native float32, refusing any blob of the wrong size."""
    expected = 4 * dim
    if any(len(blob) != expected for blob in blobs):
        raise LibraryCorruptError(path, f"a stored embedding is not {dim} float32 values long")
    if not blobs:
        return np.zeros((0, dim), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32)

