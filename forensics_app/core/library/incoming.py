"""Another library file read for import: read-only, same weights, held to enrolment's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forensics_app.core.library.checks import ImportProblem, check_import_size, import_problems
from forensics_app.core.library.errors import LibraryImportError
from forensics_app.core.library.file import check_header, mismatch_error, read_meta, readonly_connection

__all__ = ["free_name", "read_importable"]


def read_importable(source: Path, extractor_id: str, embedding_dim: int, timeout: float) -> list[dict[str, Any]]:
    """Every generator of ``source`` with its references; other weights and damaged content are refused."""
    if source.exists():
        check_header(source)  # a pipe or a device is refused before any read
        try:
            check_import_size(source)
        except ImportProblem as exc:
            raise LibraryImportError(source, [str(exc)]) from None
    with readonly_connection(source, timeout, f"read {source}") as conn:
        meta = read_meta(conn, source)
        if meta.extractor_id != extractor_id or meta.embedding_dim != embedding_dim:
            raise mismatch_error(conn, source, meta, extractor_id)
        generators = {
            row[0]: {"name": row[1], "family": row[2], "notes": row[3], "created_at": row[4], "references": []}
            for row in conn.execute("SELECT id, name, family, notes, created_at FROM generators ORDER BY name")
        }
        refs = conn.execute('SELECT generator_id, sha256, path, embedding, added_at FROM "references" ORDER BY id')
        for generator_id, sha256, ref_path, blob, added_at in refs:
            if generator_id in generators:
                generators[generator_id]["references"].append((sha256, ref_path, blob, added_at))
    problems = import_problems(generators.values(), embedding_dim)
    if problems:
        raise LibraryImportError(source, problems)
    return [g for g in generators.values() if g["references"]]

def free_name(name: str, taken: set[str]) -> str:
    """``name (2)``, or the next number not taken (names compared ignoring case)."""
    number = 2
    while f"{name} ({number})".casefold() in taken:
        number += 1
    return f"{name} ({number})"
