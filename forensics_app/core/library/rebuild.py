"""Rebuilding a library made with other weights: re-enrol from the stored image paths.

A library is bound to the extractor that computed its embeddings, so new weights leave
it unusable.  Its reference images are usually still on disk, and their SHA-256 is
stored, so the generators can be enrolled again with the current weights.  The new file
is written beside the old one and swapped in only when complete, so a rebuild that fails
or is cancelled leaves the library exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensics_app.core.library.errors import RebuildCancelled
from forensics_app.core.library.file import (
    DEFAULT_TIMEOUT_S,
    read_library_meta,
    read_reenrolment_plan,
    remove_quietly,
    sibling_temp,
    translated,
)
from forensics_app.core.library import Library, Reference
from forensics_app.core.progress import CancelCheck, ProgressCallback


__all__ = ["GeneratorRebuild", "RebuildResult", "rebuild_library"]


@dataclass(frozen=True)
class GeneratorRebuild:
    """How one generator fared in a rebuild: what was re-enrolled and what could not be."""

    name: str
    enrolled: int
    missing: list[str] = field(default_factory=list)  # no longer at their enrolment path
    not_embedded: list[str] = field(default_factory=list)  # the embedding function gave nothing
    changed: list[str] = field(default_factory=list)  # bytes differ from the enrolled image


@dataclass(frozen=True)
class RebuildResult:
    """The rebuilt library, where the old one was kept, and each generator's outcome."""

    path: Path
    backup_path: Path
    generators: list[GeneratorRebuild]

    @property
    def dropped(self) -> list[str]:
        """Generators left out because none of their reference images could be re-embedded."""
        return [g.name for g in self.generators if g.enrolled == 0]


def rebuild_library(
    path: str | os.PathLike[str],
    extractor_id: str,
    embedding_dim: int,
    plan: dict[str, dict[str, Any]] | None,
    embed_fn: Callable[[list[str]], Iterable[Reference]],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> RebuildResult:
    """Re-enrol a library's generators with the current weights, then swap the file.

    :meth:`Library.open` creates the new file, so the rebuilt library is written by the
    very code that writes every other.  ``plan`` is :func:`read_reenrolment_plan` (read
    when ``None``), possibly with generators left out; ``embed_fn(paths)`` returns one
    generator's references (sha256, path, embedding) computed with the current weights,
    leaving out files it could not read.  A file whose SHA-256 differs from the enrolled
    image is a different image and is not re-enrolled.  The new library is written next
    to the old one and renamed over it only when complete; the old file is kept as
    ``<name>.bak-<old extractor id>``.  On any error or cancellation the library is left
    as it was.
    """
    path = Path(path)
    old = read_library_meta(path, timeout)
    plan = read_reenrolment_plan(path, timeout) if plan is None else plan
    new_path = sibling_temp(path, "rebuild")
    try:
        with Library.open(new_path, extractor_id, embedding_dim, timeout=timeout) as library:
            outcomes = []
            for done, entry in enumerate(plan.values(), start=1):
                if cancel is not None and cancel():
                    raise RebuildCancelled(path)
                outcomes.append(_reenrol(library, entry, embed_fn))
                if progress is not None:
                    progress(done, len(plan))
        backup = _free_backup_path(path, old.extractor_id)
        with translated(path, "replace the library with its rebuilt copy"):
            shutil.copy2(path, backup)
            os.replace(new_path, path)
    finally:
        remove_quietly(new_path)
    return RebuildResult(path, backup, outcomes)


def _reenrol(
    library: Library, entry: dict[str, Any], embed_fn: Callable[[list[str]], Iterable[Reference]]
) -> GeneratorRebuild:
    """Enrol one generator of the plan into the new library, and say what could not be."""
    paths = [str(p) for p in entry.get("paths", [])]
    enrolled_hashes = {str(s).lower() for s in entry.get("sha256s", [])}
    kept: list[Reference] = []
    changed: list[str] = []
    for sha256, ref_path, embedding in (embed_fn(paths) if paths else []):
        if enrolled_hashes and str(sha256).lower() not in enrolled_hashes:
            changed.append(str(ref_path))
        else:
            kept.append((sha256, ref_path, embedding))
    returned = {os.path.abspath(os.fspath(p)) for _, p, _ in kept} | {os.path.abspath(p) for p in changed}
    not_embedded = [p for p in paths if os.path.abspath(p) not in returned]
    enrolled = 0
    if kept:
        info = library.enroll(entry["name"], kept, family=entry.get("family"), notes=entry.get("notes"))
        enrolled = info.reference_count
    return GeneratorRebuild(entry["name"], enrolled, list(entry.get("missing", [])), not_embedded, changed)


def _free_backup_path(path: Path, old_id: str) -> Path:
    """``<name>.bak-<old id>``, numbered when an earlier rebuild already left one."""
    backup = path.with_name(f"{path.name}.bak-{old_id}")
    number = 2
    while backup.exists():
        backup = path.with_name(f"{path.name}.bak-{old_id}-{number}")
        number += 1
    return backup
