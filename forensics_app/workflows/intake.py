"""Files and folders into a case: discovery, fingerprints, exhibits and audit entries.

The command line and the window take evidence in through these functions, so an
exhibit is numbered, described and logged the same way whichever front-end made it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from forensics_app.core.case import Case, CaseItem, extractor_stamp
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS, scan_paths
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.pipeline import FileFingerprint, fingerprint_files
from forensics_app.core.progress import CancelCheck, ProgressCallback


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileFingerprint]]:
    """Files under the given paths, and an entry for each path the scan left out.

    A subfolder that cannot be listed is a rejection (images may be in it) and the run
    goes on; entries left out by the scan's rule (not an image extension, hidden, a linked
    folder) come back marked ``skipped``, with their reason, so none vanishes unmentioned.
    """
    scan = scan_paths(paths)
    left_out = [FileFingerprint(entry.path, None, None, entry.reason, skipped=not entry.unreadable)
                for entry in scan.skipped]
    return scan.files, left_out


def fingerprint_paths(extractor: Extractor, paths: Sequence[str | Path], max_pixels: int = DEFAULT_MAX_PIXELS,
                      progress: ProgressCallback | None = None, cancel: CancelCheck | None = None,
                      provenance: bool = False) -> Iterator[FileFingerprint]:
    """One `FileFingerprint` per entry found (those the scan left out first); returns the count.

    ``provenance``: read what each file declares too, for :func:`take_in` (see
    :func:`~forensics_app.core.pipeline.fingerprint_files`).
    """
    files, left_out = expand_paths(paths)
    yield from left_out
    yield from fingerprint_files(extractor, files, max_pixels=max_pixels, progress=progress, cancel=cancel,
                                 provenance=provenance)
    return len(files) + len(left_out)


def new_case(extractor: Extractor, reference: str = "") -> Case:
    case = Case(reference=reference)
    case.extractor = extractor_stamp(extractor.card)
    return case


def note_skipped(case: Case, result: FileFingerprint) -> None:
    """Log an entry a folder scan left out, so the case accounts for it without an exhibit."""
    case.log("skipped", None, f"{result.path}: {result.error}")


def take_in(case: Case, result: FileFingerprint) -> CaseItem:
    """Add one file to the case as the next exhibit and log its intake or rejection.

    Entries a folder scan left out (``result.skipped``) go to :func:`note_skipped` instead.
    What the file declares comes with `result` (fingerprinted with ``provenance=True``),
    read from the bytes that were hashed: the file is never opened a second time here.
    """
    if result.evidence is not None and result.provenance is None:
        raise ValueError("take_in needs what the file declares, read at intake: fingerprint with provenance=True")
    # absolute, so a guard or a report finds the file from any working folder
    item = CaseItem(exhibit=case.next_exhibit(), path=os.path.abspath(result.path), error=result.error,
                    embedding=result.embedding, padded=result.padded,
                    evidence=result.evidence.without_pixels() if result.evidence else None,
                    # what the file declares, kept apart from the fingerprint
                    provenance=tuple(result.provenance) if result.evidence is not None else None)
    if item.sha256:  # a byte-identical copy is its own exhibit, marked as repeating the first
        item.same_as = next((i.exhibit for i in case.items if i.sha256 == item.sha256 and not i.error), None)
    case.items.append(item)
    case.log("intake" if item.error is None else "rejected", item.sha256,
             f"{item.exhibit} {item.path}" + (f": {item.error}" if item.error else "")
             + (f" (the same bytes as {item.same_as})" if item.same_as else ""))
    return item


def already_in_case(case: Case, result: FileFingerprint) -> bool:
    """The same bytes (SHA-256), or the same unreadable path with the same reason."""
    if result.sha256:
        return case.has_sha256(result.sha256)
    return any(i.path in (str(result.path), os.path.abspath(result.path)) and i.error == result.error
               for i in case.items)


def fingerprinted(case: Case) -> list[CaseItem]:
    return [item for item in case.items if item.embedding is not None and not item.error]
