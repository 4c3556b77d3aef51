"""The open library and its operations: enrolment, reading, exchange, in single transactions."""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from forensics_app.core.library.errors import (
    GeneratorExistsError,
    LibraryCorruptError,
    LibraryError,
    LibraryNotFoundError,
    LibraryWriteError,
    UnknownGeneratorError,
)
from forensics_app.core.library.checks import (
    MAX_NAME_CHARS,
    MAX_NOTES_CHARS,
    check_name,
    check_text,
)
from forensics_app.core.library.file import (
    DEFAULT_TIMEOUT_S,
    LibraryMeta,
    check_header,
    check_no_code,
    connect_file,
    create_library_file,
    embeddings_from_blobs,
    mismatch_error,
    read_meta,
    remove_quietly,
    sibling_temp,
    translated,
    utc_timestamp,
)
from forensics_app.core.library.identity import snapshot_of
from forensics_app.core.library.incoming import free_name, read_importable
from forensics_app.core.library.records import KEEP, GeneratorInfo, Keep, OnConflict, Reference
from forensics_app.core.vectors import class_means, normalise

__all__ = ["Library"]

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


# --------------------------------------------------------------------------- module helpers


def _positions(ids: np.ndarray, owners: np.ndarray, path: Path) -> np.ndarray:
    """For each owner id, its index in ``ids``; an owner not in ``ids`` means a damaged file."""
    sorter = np.argsort(ids)
    found = np.searchsorted(ids, owners, sorter=sorter).clip(max=len(ids) - 1)
    positions = sorter[found]
    if not np.array_equal(ids[positions], owners):
        raise LibraryCorruptError(path, "some references belong to no enrolled generator")
    return positions


def _clean_name(name: str) -> str:
    """The enrolment rule for names (:func:`check_name`), the one imports are held to."""
    return check_name(name)


def _clean_text(value: str | None, field: str = "notes") -> str | None:
    """Family or notes as stored, under the limits imports are held to."""
    return check_text(value, field, MAX_NAME_CHARS if field == "family" else MAX_NOTES_CHARS)




# --------------------------------------------------------------------------- the library


class Library:
    """An open library file bound to one extractor; use :meth:`open`, then close it (or ``with``)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: LibraryMeta, timeout: float) -> None:
        self.path = path
        self.meta = meta
        self.timeout = timeout
        self._conn: sqlite3.Connection | None = conn
        # One connection may serve a GUI thread and a worker; the lock keeps their
        # transactions from interleaving on it.
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        extractor_id: str,
        embedding_dim: int,
        create: bool = True,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> Library:
        """Open (or create) the library at ``path`` for embeddings of ``extractor_id``."""
        path = Path(path)
        if not extractor_id:
            raise ValueError("an extractor id is required to open a library")
        if int(embedding_dim) <= 0:
            raise ValueError(f"embedding_dim must be positive, not {embedding_dim}")
        if not path.exists():
            if not create:
                raise LibraryNotFoundError(path)
            create_library_file(path, extractor_id, int(embedding_dim))
        check_header(path)
        with translated(path, "open the library"):
            conn = connect_file(path, timeout, readonly=False)
            try:
                meta = cls._validated_meta(conn, path, extractor_id, int(embedding_dim))
                conn.execute("PRAGMA foreign_keys = ON")
            except BaseException:
                conn.close()
                raise
        return cls(path, conn, meta, timeout)

    @staticmethod
    def _validated_meta(conn: sqlite3.Connection, path: Path, extractor_id: str, embedding_dim: int) -> LibraryMeta:
        conn.execute("BEGIN")
        try:
            meta = read_meta(conn, path)
            check_no_code(conn, path)
            if meta.extractor_id != extractor_id:
                raise mismatch_error(conn, path, meta, extractor_id)
            if meta.embedding_dim != embedding_dim:
                raise ValueError(
                    f"the library {path} holds {meta.embedding_dim}-dimensional embeddings of extractor "
                    f"{extractor_id}, but {embedding_dim} was given"
                )
            return meta
        finally:
            if conn.in_transaction:
                with suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    def close(self) -> None:
        """Release the file; safe to call twice."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"<Library {self.path} extractor={self.extractor_id} dim={self.embedding_dim} {state}>"

    @property
    def extractor_id(self) -> str:
        return self.meta.extractor_id

    @property
    def embedding_dim(self) -> int:
        return self.meta.embedding_dim

    @contextmanager
    def _transaction(self, action: str, write: bool = True) -> Iterator[sqlite3.Cursor]:
        """One transaction: all of it commits, or none of it does.

        Writes take the write lock up front (``BEGIN IMMEDIATE``) so contention shows at
        the start; reads get a consistent view across their several queries.
        """
        with self._lock, translated(self.path, action):
            if self._conn is None:
                raise LibraryError(f"The library {self.path} is closed; open it again to {action}.")
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn.cursor()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    # ----------------------------------------------------------------- writing

    def enroll(
        self,
        name: str,
        references: Iterable[Reference],
        family: str | None = None,
        notes: str | None = None,
    ) -> GeneratorInfo:
        """Enrol a new generator from its reference embeddings, in one transaction.

        The returned info's ``warnings`` say when fewer than ``MIN_REFERENCES_ADVISED``
        distinct images were given.
        """
        name = _clean_name(name)
        rows = self._prepare(references)
        if not rows:
            raise ValueError(f"enrolling '{name}' needs at least one reference image; none were given")
        now = utc_timestamp()
        with self._transaction(f"enrol '{name}'") as cur:
            existing = cur.execute("SELECT name FROM generators WHERE name = ?", (name,)).fetchone()
            if existing is not None:
                raise GeneratorExistsError(existing[0])
            cur.execute(
                "INSERT INTO generators (name, family, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, _clean_text(family, "family"), _clean_text(notes), now, now),
            )
            generator_id = cur.lastrowid
            for row in rows:
                self._insert_reference(cur, generator_id, row, now)
            return self._info(cur, generator_id)

    def add_references(self, name: str, references: Iterable[Reference]) -> int:
        """Add reference images to an enrolled generator; returns how many were new.

        An image already among its references (same SHA-256) is not counted twice.
        """
        rows = self._prepare(references)
        now = utc_timestamp()
        with self._transaction(f"add references to '{name}'") as cur:
            generator_id = self._generator_id(cur, name)
            added = sum(self._insert_reference(cur, generator_id, row, now) for row in rows)
            if added:
                cur.execute("UPDATE generators SET updated_at = ? WHERE id = ?", (now, generator_id))
            return added

    def rename(self, old: str, new: str) -> GeneratorInfo:
        """Rename a generator; a change of case alone is allowed."""
        new = _clean_name(new)
        with self._transaction(f"rename '{old}'") as cur:
            generator_id = self._generator_id(cur, old)
            query = "SELECT name FROM generators WHERE name = ? AND id != ?"
            clash = cur.execute(query, (new, generator_id)).fetchone()
            if clash is not None:
                raise GeneratorExistsError(clash[0], "choose another name")
            cur.execute("UPDATE generators SET name = ?, updated_at = ? WHERE id = ?", (new, utc_timestamp(), generator_id))
            return self._info(cur, generator_id)

    def remove(self, name: str) -> None:
        """Remove a generator and all its references."""
        with self._transaction(f"remove '{name}'") as cur:
            cur.execute("DELETE FROM generators WHERE id = ?", (self._generator_id(cur, name),))

    def set_details(
        self, name: str, family: str | None | Keep = KEEP, notes: str | None | Keep = KEEP
    ) -> GeneratorInfo:
        """Change a generator's family and/or notes; ``None`` clears a detail, ``KEEP`` leaves it."""
        with self._transaction(f"edit '{name}'") as cur:
            generator_id = self._generator_id(cur, name)
            for column, value in (("family", family), ("notes", notes)):
                if not isinstance(value, Keep):
                    cur.execute(f"UPDATE generators SET {column} = ? WHERE id = ?",
                                (_clean_text(value, column), generator_id))
            cur.execute("UPDATE generators SET updated_at = ? WHERE id = ?", (utc_timestamp(), generator_id))
            return self._info(cur, generator_id)

    def _prepare(self, references: Iterable[Reference]) -> list[tuple[str, str, bytes]]:
        """Check every reference before the transaction starts; -> (sha256, path, blob) rows."""
        rows = []
        for index, reference in enumerate(references, start=1):
            try:
                sha256, ref_path, embedding = reference
            except (TypeError, ValueError):
                raise ValueError(f"reference {index} is not a (sha256, path, embedding) triple") from None
            rows.append((self._checked_sha(sha256, index), os.path.abspath(os.fspath(ref_path)),
                         self._embedding_blob(embedding, index, ref_path)))
        return rows

    @staticmethod
    def _checked_sha(sha256: str, index: int) -> str:
        value = str(sha256).strip().lower()
        if not _SHA256_RE.fullmatch(value):
            raise ValueError(f"reference {index}: '{sha256}' is not a SHA-256 hex digest")
        return value

    def _embedding_blob(self, embedding: Any, index: int, ref_path: Any) -> bytes:
        vector = np.asarray(embedding, dtype=np.float64)
        if vector.shape != (self.embedding_dim,):
            raise ValueError(
                f"reference {index} ({ref_path}): embedding of shape {vector.shape}, but this library "
                f"holds {self.embedding_dim}-dimensional embeddings of extractor {self.extractor_id}"
            )
        if not np.all(np.isfinite(vector)) or not np.any(vector):
            raise ValueError(f"reference {index} ({ref_path}): the embedding is zero or not finite")
        return vector.astype("<f4").tobytes()

    def _insert_reference(
        self, cur: sqlite3.Cursor, generator_id: int, row: tuple[str, str, bytes], added_at: str
    ) -> bool:
        """Insert one reference unless that image is already there; True when inserted."""
        cur.execute(
            'INSERT INTO "references" (generator_id, sha256, path, embedding, added_at) VALUES (?, ?, ?, ?, ?) '
            "ON CONFLICT (generator_id, sha256) DO NOTHING",
            (generator_id, *row, added_at),
        )
        return cur.rowcount == 1

    # ----------------------------------------------------------------- reading

    def _generator_id(self, cur: sqlite3.Cursor, name: str) -> int:
        row = cur.execute("SELECT id FROM generators WHERE name = ?", (str(name).strip(),)).fetchone()
        if row is None:
            names = [r[0] for r in cur.execute("SELECT name FROM generators")]
            by_key = {n.casefold(): n for n in names}
            close = difflib.get_close_matches(str(name).casefold(), list(by_key), n=3, cutoff=0.6)
            raise UnknownGeneratorError(str(name), [by_key[key] for key in close])
        return row[0]

    _INFO_SQL = (
        'SELECT g.name, g.family, g.notes, COUNT(r.id), g.created_at, g.updated_at FROM generators g '
        'LEFT JOIN "references" r ON r.generator_id = g.id'
    )

    def _info(self, cur: sqlite3.Cursor, generator_id: int) -> GeneratorInfo:
        row = cur.execute(f"{self._INFO_SQL} WHERE g.id = ? GROUP BY g.id", (generator_id,)).fetchone()
        return GeneratorInfo(*row)

    def generators(self) -> list[GeneratorInfo]:
        """Every enrolled generator, in name order (ignoring case)."""
        with self._transaction("list the generators", write=False) as cur:
            rows = cur.execute(f"{self._INFO_SQL} GROUP BY g.id ORDER BY g.name").fetchall()
        return [GeneratorInfo(*row) for row in rows]

    def get(self, name: str) -> GeneratorInfo:
        """One generator by name (ignoring case)."""
        with self._transaction(f"read '{name}'", write=False) as cur:
            return self._info(cur, self._generator_id(cur, name))

    def reference_embeddings(self, name: str) -> np.ndarray:
        """A generator's reference embeddings, (n, D) float32, in enrolment order."""
        with self._transaction(f"read '{name}'", write=False) as cur:
            generator_id = self._generator_id(cur, name)
            query = 'SELECT embedding FROM "references" WHERE generator_id = ? ORDER BY id'
            blobs = [row[0] for row in cur.execute(query, (generator_id,))]
        return embeddings_from_blobs(blobs, self.embedding_dim, self.path)

    def reference_paths(self, name: str) -> list[tuple[str, str]]:
        """A generator's references as (sha256, path at enrolment), in enrolment order."""
        with self._transaction(f"read '{name}'", write=False) as cur:
            generator_id = self._generator_id(cur, name)
            query = 'SELECT sha256, path FROM "references" WHERE generator_id = ? ORDER BY id'
            return cur.execute(query, (generator_id,)).fetchall()

    def gallery(self) -> tuple[list[str], np.ndarray]:
        """Names and the (G, D) float32 matrix of unit-normalised mean reference embeddings.

        Attribution reads this on every run, so all embeddings come from one plain table
        scan (no SQL sort, which would copy every blob) and are averaged with
        :func:`~forensics_app.core.vectors.class_means`, exactly as evaluation does.
        Generators without references have no mean and are left out.
        """
        names, positions, embeddings = self._scan_references("read the gallery")
        if not len(positions):
            return [], np.zeros((0, self.embedding_dim), np.float32)
        present, means = class_means(embeddings, positions)
        return [names[i] for i in present], normalise(means)

    def _scan_references(self, action: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(generator names in name order, each reference's index into them, embeddings).

        One plain table scan (no SQL sort, which would copy every blob); callers group
        the rows with numpy.
        """
        with self._transaction(action, write=False) as cur:
            generators = cur.execute("SELECT id, name FROM generators ORDER BY name").fetchall()
            rows = cur.execute('SELECT generator_id, embedding FROM "references"').fetchall()
        if not generators or not rows:
            return [], np.zeros(0, np.int64), np.zeros((0, self.embedding_dim), np.float32)
        ids = np.array([row[0] for row in generators], dtype=np.int64)
        owners = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        embeddings = embeddings_from_blobs([row[1] for row in rows], self.embedding_dim, self.path)
        return [row[1] for row in generators], _positions(ids, owners, self.path), embeddings

    def reference_sets(self) -> dict[str, np.ndarray]:
        """Every generator's (n, D) reference embeddings, read in one table scan.

        Calibrating against the library's own references needs all of them at once; one
        query per generator would cost a round trip each for a large library.
        """
        names, positions, embeddings = self._scan_references("read the references")
        return {names[i]: embeddings[positions == i] for i in np.unique(positions)}

    def snapshot(self) -> dict[str, Any]:
        """The library's identity for an evidence report (:func:`~forensics_app.core.library.identity.snapshot_of`)."""
        with self._transaction("read the library", write=False) as cur:
            rows = cur.execute(
                'SELECT g.id, g.name, g.family, r.sha256, r.embedding FROM generators g '
                'LEFT JOIN "references" r ON r.generator_id = g.id ORDER BY g.name, r.sha256'
            ).fetchall()
        return snapshot_of(rows, self.extractor_id, self.embedding_dim)

    # ----------------------------------------------------------------- exchange

    def export(self, path_out: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Copy the whole library into one portable file (same format, same stamp).

        Written through SQLite's backup API to a temporary name and renamed into place,
        so the copy is consistent and an existing file is only replaced by a complete one.
        """
        target = Path(path_out)
        action = f"export the library to {target}"
        if target.exists() and target.resolve() == self.path.resolve():
            raise LibraryWriteError(self.path, action, "the export would overwrite the library itself")
        if target.exists() and not overwrite:
            raise LibraryWriteError(self.path, action, f"{target} already exists")
        temp = sibling_temp(target, "export")
        try:
            with self._lock, translated(self.path, action):
                if self._conn is None:
                    raise LibraryError(f"The library {self.path} is closed; open it again to export it.")
                destination = sqlite3.connect(str(temp))
                try:
                    self._conn.backup(destination)
                    check_no_code(destination, self.path)  # SQL added by another program since opening
                finally:
                    destination.close()
                os.replace(temp, target)
        finally:
            remove_quietly(temp)
        return target

    def import_library(self, path_in: str | os.PathLike[str], on_conflict: OnConflict = "skip") -> list[str]:
        """Merge another library file (same extractor) into this one; returns the names imported.

        ``on_conflict`` decides about a name already enrolled: ``"skip"`` keeps ours and
        leaves theirs out, ``"rename"`` imports theirs as ``"<name> (2)"`` (or the next free
        number), ``"error"`` imports nothing and raises :class:`GeneratorExistsError`.
        The incoming file is held to enrolment's rules (:mod:`~forensics_app.core.library.checks`)
        before anything is written; a breach raises :class:`LibraryImportError` listing
        them, and the library is unchanged.
        """
        if on_conflict not in ("skip", "rename", "error"):
            raise ValueError(f"on_conflict must be 'skip', 'rename' or 'error', not {on_conflict!r}")
        source = Path(path_in)
        incoming = read_importable(source, self.extractor_id, self.embedding_dim, self.timeout)
        now = utc_timestamp()
        with self._transaction(f"import {source}") as cur:
            taken = {row[0].casefold() for row in cur.execute("SELECT name FROM generators")}
            clashes = [g["name"] for g in incoming if g["name"].casefold() in taken]
            if clashes and on_conflict == "error":
                raise GeneratorExistsError(
                    clashes[0], f"{len(clashes)} generator(s) of {source} clash ({', '.join(clashes)}); "
                    "nothing was imported. Import with conflicts skipped or renamed"
                )
            imported = []
            for generator in incoming:
                name = generator["name"]
                if name.casefold() in taken:
                    if on_conflict == "skip":
                        continue
                    name = free_name(name, taken)
                taken.add(name.casefold())
                cur.execute(
                    "INSERT INTO generators (name, family, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (name, generator["family"], generator["notes"], generator["created_at"], now),
                )
                generator_id = cur.lastrowid
                for sha256, ref_path, blob, added_at in generator["references"]:
                    self._insert_reference(cur, generator_id, (sha256, ref_path, blob), added_at)
                imported.append(name)
            return imported
