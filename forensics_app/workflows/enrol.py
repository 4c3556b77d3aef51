"""Enrolment: a generator's reference images into the library.

Written once for the command line and the window: which files become references, what
is rejected and why, and a cancelled enrolment that leaves the library unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import GeneratorInfo, Library, Reference
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.workflows.intake import fingerprint_paths


class EnrolmentCancelled(Exception):
    """The analyst stopped an enrolment; nothing was written."""


class NothingToEnrolError(ValueError):
    """No file could be fingerprinted; `rejected` says why for each."""

    def __init__(self, message: str, rejected: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.rejected = rejected


@dataclass(frozen=True)
class EnrolOutcome:
    """A finished enrolment or addition of references, with what could not be used."""

    name: str
    info: GeneratorInfo
    added: int
    offered: int  # references offered; more than `added` when duplicates were merged
    rejected: list[tuple[str, str]]  # (path, reason)
    warnings: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # left out by a folder scan: (path, reason)


def references_of(results: Sequence[FileFingerprint]) -> tuple[list[Reference], list[tuple[str, str]]]:
    """Fingerprinted files as library references, and (path, reason) for the rejected ones
    (entries a folder scan left out are not among them: see :func:`skipped_of`)."""
    references = [(r.sha256, str(r.path), r.embedding) for r in results if r.ok]
    rejected = [(str(r.path), r.error or "") for r in results if not r.ok and not r.skipped]
    return references, rejected


def skipped_of(results: Sequence[FileFingerprint]) -> list[tuple[str, str]]:
    """(path, reason) of every entry a folder scan left out."""
    return [(str(r.path), r.error or "") for r in results if r.skipped]


def enrol(library: Library, name: str, *, extractor: Extractor | None = None, paths: Sequence[str | Path] = (),
          references: Sequence[Reference] = (), family: str | None = None, notes: str | None = None,
          add: bool = False, max_pixels: int = DEFAULT_MAX_PIXELS, progress: ProgressCallback | None = None,
          cancel: CancelCheck | None = None) -> EnrolOutcome:
    """Enrol `name` (or add references to it) from files and/or embeddings already computed.

    A cancelled enrolment enrols nothing: a generator enrolled from half of the images
    the analyst chose would be another reference than the one intended.
    """
    refs = list(references)
    rejected: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    if paths:
        if extractor is None:
            raise ValueError("fingerprinting reference images needs the extractor, which is not loaded")
        results = list(fingerprint_paths(extractor, paths, max_pixels, progress, cancel))
        if cancel is not None and cancel():
            raise EnrolmentCancelled(f"The enrolment of '{name}' was cancelled; the library is unchanged.")
        found, rejected = references_of(results)
        skipped = skipped_of(results)
        refs += found
    if not refs:
        where = ", ".join(str(p) for p in paths) or "the selection"
        listed = rejected + skipped
        reasons = "".join(f"\n  {path}: {reason}" for path, reason in listed[:50])
        more = f"\n  ... and {len(listed) - 50} more" if len(listed) > 50 else ""
        raise NothingToEnrolError(f"No image in {where} could be fingerprinted, so nothing was enrolled"
                                  + (f"; {len(rejected)} file(s) rejected, {len(skipped)} left out:{reasons}{more}"
                                     if listed else "."), listed)
    warnings: list[str] = []
    if add:
        added = library.add_references(name, refs)
        info = library.get(name)
    else:
        info = library.enroll(name, refs, family=family, notes=notes)
        added = info.reference_count
        warnings = list(getattr(info, "warnings", []) or [])
    if added < len(refs):
        against = "references already held or to one another" if add else "one another"
        warnings.append(f"{len(refs) - added} of the {len(refs)} image(s) offered were byte-identical to {against} "
                        "(same SHA-256) and were merged: each distinct image counts once")
    return EnrolOutcome(info.name, info, added, len(refs), rejected, warnings, skipped)
