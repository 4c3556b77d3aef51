"""Files and folders into a case: discovery, fingerprints, exhibits and audit entries.

The command line and the window take evidence in through these functions, so an
exhibit is numbered, described and logged the same way whichever front-end made it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from forensics_app.core.case import Case, CaseItem, extractor_stamp
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS, EvidenceError, iter_image_files
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.pipeline import FileFingerprint, fingerprint_files
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.workflows.inspect import provenance_record


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileFingerprint]]:
    """Files under the given paths, and a rejection for each path that cannot be listed.

    Each path is walked on its own so that one unreadable folder is reported against
    itself instead of aborting the whole batch.
    """
    files: list[Path] = []
    unreadable: list[FileFingerprint] = []
    seen: set[Path] = set()
    for given in paths:
        try:
            found = iter_image_files([given])
        except EvidenceError as exc:
            unreadable.append(FileFingerprint(Path(given), None, None, exc.reason))
            continue
        for path in found:
            if path not in seen:
                seen.add(path)
                files.append(path)
    return files, unreadable


def fingerprint_paths(extractor: Extractor, paths: Sequence[str | Path], max_pixels: int = DEFAULT_MAX_PIXELS,
                      progress: ProgressCallback | None = None, cancel: CancelCheck | None = None
                      ) -> Iterator[FileFingerprint]:
    """One `FileFingerprint` per file found (unlistable paths first); returns the count found."""
    files, unreadable = expand_paths(paths)
    yield from unreadable
    yield from fingerprint_files(extractor, files, max_pixels=max_pixels, progress=progress, cancel=cancel)
    return len(files) + len(unreadable)


def new_case(extractor: Extractor, reference: str = "") -> Case:
    case = Case(reference=reference)
    case.extractor = extractor_stamp(extractor.card)
    return case


def take_in(case: Case, result: FileFingerprint) -> CaseItem:
    """Add one file to the case as the next exhibit and log its intake or rejection."""
    item = CaseItem(exhibit=case.next_exhibit(), path=str(result.path), error=result.error,
                    embedding=result.embedding, padded=result.padded,
                    evidence=result.evidence.metadata_dict() if result.evidence else None)
    if item.evidence is not None:  # what the file declares, kept apart from the fingerprint
        item.evidence["provenance"] = provenance_record(item.path, item.sha256)
    case.items.append(item)
    case.log("intake" if item.error is None else "rejected", item.sha256,
             f"{item.exhibit} {item.path}" + (f": {item.error}" if item.error else ""))
    return item


def already_in_case(case: Case, result: FileFingerprint) -> bool:
    """The same bytes (SHA-256), or the same unreadable path with the same reason."""
    if result.sha256:
        return case.has_sha256(result.sha256)
    return any(i.path == str(result.path) and i.error == result.error for i in case.items)


def fingerprinted(case: Case) -> list[CaseItem]:
    return [item for item in case.items if item.embedding is not None and not item.error]
