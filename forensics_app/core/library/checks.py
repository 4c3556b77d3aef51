"""What may enter a library, by enrolment or by import: one set of rules for both doors.

An imported library comes from someone else's machine and is evidence the analyst did not
make, so it is held to exactly the rules enrolment applies, before a single row is
written: names a person can read and type (no control or format characters, no empty or
endless names), notes and families of sane length, SHA-256 digests that are digests,
reference paths that are text and never a device, and embeddings that are finite unit
vectors of the library's size.  One NaN reference would otherwise make every mean, every
likelihood ratio and the naming threshold NaN, and every image "unknown".
"""

from __future__ import annotations

import math
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_NAME_CHARS",
    "MAX_NOTES_CHARS",
    "ImportProblem",
    "check_name",
    "check_text",
    "import_problems",
]

MAX_NAME_CHARS = 200
#: Family and notes are for a person to read: a page of text is plenty.
MAX_NOTES_CHARS = 10_000
MAX_PATH_CHARS = 4096
#: Largest library file imported, checked before it is opened: 1,000 generators of 100
#: references of 1,024 dimensions fit in 410 MB, far more than any real library.
MAX_IMPORT_BYTES = 512 * 2**20
#: Tolerance on the length of a stored unit vector (float32 rounding is ~1e-7).
UNIT_TOLERANCE = 1e-3

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def _has_unprintable(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_name(name: Any) -> str:
    """A generator name as stored: stripped, 1-200 printable characters; ValueError otherwise."""
    if not isinstance(name, str):
        raise ValueError(f"a generator name must be text, not {type(name).__name__}")
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("a generator name cannot be empty")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValueError(f"a generator name is limited to {MAX_NAME_CHARS} characters (this one has {len(cleaned):,})")
    if _has_unprintable(cleaned):
        raise ValueError("a generator name cannot contain control or formatting characters (tabs, line breaks, "
                         "terminal escapes, direction overrides)")
    return cleaned


def check_text(value: Any, field: str, limit: int = MAX_NOTES_CHARS) -> str | None:
    """An optional family or notes text, stripped; None when empty; ValueError when not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"the {field} must be text, not {type(value).__name__}")
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise ValueError(f"the {field} is limited to {limit:,} characters (this one has {len(cleaned):,})")
    return cleaned or None


class ImportProblem(ValueError):
    """One reason an incoming library cannot be imported."""


def _check_reference(dim: int, sha256: Any, ref_path: Any, blob: Any, added_at: Any) -> str | None:
    """Why one stored reference is unacceptable, or None."""
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        return f"its SHA-256 {str(sha256)[:80]!r} is not a 64-character lower-case hex digest"
    if not isinstance(ref_path, str) or not ref_path or len(ref_path) > MAX_PATH_CHARS or _has_unprintable(ref_path):
        return "its image path is not a readable path (empty, too long, not text, or with control characters)"
    if not os.path.isabs(ref_path):
        return f"its image path {ref_path[:200]!r} is not absolute"
    try:
        mode = os.stat(ref_path).st_mode
    except OSError:
        mode = None  # a path on the other machine: fine, it is only recorded
    if mode is not None and not stat.S_ISREG(mode):
        return f"its image path {ref_path[:200]!r} names a device, pipe or folder on this machine, not an image file"
    if not isinstance(added_at, str) or len(added_at) > 64:
        return "its time of addition is not a time stamp"
    if not isinstance(blob, bytes) or len(blob) != 4 * dim:
        return f"its embedding is not {dim} float32 values"
    vector = np.frombuffer(blob, dtype="<f4").astype(np.float64)
    if not np.all(np.isfinite(vector)):
        return "its embedding holds NaN or infinite values"
    norm = float(np.linalg.norm(vector))
    if not math.isfinite(norm) or abs(norm - 1.0) > UNIT_TOLERANCE:
        return f"its embedding has length {norm:.4g}, not 1 (fingerprints are unit vectors)"
    return None


def import_problems(generators: Iterable[dict[str, Any]], dim: int, limit: int = 20) -> list[str]:
    """Every reason (up to `limit`) the generators read from a library cannot be imported.

    Each generator is a dict with name, family, notes, created_at and references
    ``(sha256, path, blob, added_at)``.  Names are also checked for clashes among
    themselves (the library treats ``SDXL`` and ``sdxl`` as one generator).
    """
    problems: list[str] = []
    seen: set[str] = set()
    for number, generator in enumerate(generators, start=1):
        raw = generator.get("name")
        label = f"generator {number}" if not isinstance(raw, str) else f"generator {number} ({raw[:60]!r})"
        try:
            name = check_name(raw)
            if name.casefold() in seen:
                raise ValueError(f"the name {name!r} appears twice (names ignore case)")
            seen.add(name.casefold())
            check_text(generator.get("family"), "family", MAX_NAME_CHARS)
            check_text(generator.get("notes"), "notes")
            created = generator.get("created_at")
            if not isinstance(created, str) or len(created) > 64:
                raise ValueError("its creation time is not a time stamp")
        except ValueError as exc:
            problems.append(f"{label}: {exc}")
        for index, reference in enumerate(generator.get("references", []), start=1):
            why = _check_reference(dim, *reference)
            if why:
                problems.append(f"{label}, reference {index}: {why}")
            if len(problems) >= limit:
                return problems
    return problems


def check_import_size(source: Path) -> None:
    """Refuse an import file above :data:`MAX_IMPORT_BYTES` before it is opened (ImportProblem)."""
    size = source.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise ImportProblem(f"the file holds {size:,} bytes, above the {MAX_IMPORT_BYTES:,} bytes accepted for an "
                            "import; a library of that size is not a list of generators")
