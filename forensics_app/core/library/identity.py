"""A library's identity for an evidence report: one hash of everything attribution depends on."""

from __future__ import annotations

import hashlib
from typing import Any

from forensics_app.core.library.file import SCHEMA_VERSION

__all__ = ["snapshot_of"]


def snapshot_of(rows: list[tuple], extractor_id: str, embedding_dim: int) -> dict[str, Any]:
    """The snapshot of rows ``(generator id, name, family, sha256, embedding)``, in name and then SHA-256 order.

    ``content_sha256`` covers the extractor id, and per generator in name order its name,
    family and, in SHA-256 order, each reference's hash and embedding bytes: everything
    attribution depends on, and nothing that does not (paths, times, notes).
    """
    grouped: dict[int, tuple[str, str | None, list[tuple[str, bytes]]]] = {}
    for generator_id, name, family, sha256, blob in rows:
        refs = grouped.setdefault(generator_id, (name, family, []))[2]
        if sha256 is not None:
            refs.append((sha256, blob))
    digest = hashlib.sha256()
    _feed(digest, "forensics-app library", str(SCHEMA_VERSION), extractor_id, str(embedding_dim))
    for name, family, refs in grouped.values():
        _feed(digest, "generator", name, family, str(len(refs)))
        for sha256, blob in refs:
            _feed(digest, sha256, blob)
    return {
        "extractor_id": extractor_id,
        "embedding_dim": embedding_dim,
        "schema_version": SCHEMA_VERSION,
        "content_sha256": digest.hexdigest(),
        "generator_count": len(grouped),
        "reference_count": sum(len(refs) for _, _, refs in grouped.values()),
        "generators": [
            {"name": name, "family": family, "reference_count": len(refs)}
            for name, family, refs in grouped.values()
        ],
    }


def _feed(digest: Any, *fields: str | bytes | None) -> None:
    """Length-prefix every field so no two different contents hash alike."""
    for value in fields:
        if value is None:
            digest.update(b"\x00")
            continue
        data = value.encode("utf-8") if isinstance(value, str) else value
        digest.update(b"\x01" + len(data).to_bytes(8, "little") + data)
