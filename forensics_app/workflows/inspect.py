"""What each file declares about its origin, for `inspect`, for intake and for the window.

Provenance needs no extractor and no library: it is read from the bytes alone, so the
analyst can look at it before (or without) any fingerprint.  Intake stores the same
entries in each case item (``item.provenance``), read from the same bytes
that were hashed, so a reopened case shows what the file said when it was taken in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensics_app.core.evidence import DEFAULT_MAX_FILE_BYTES, scan_paths
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.regular_file import FileRefused, read_regular_file
from forensics_app.core.provenance import (
    ProvenanceEntry, ReferenceSizes, TrustAnchors, declaration, load_anchors, read_provenance_bytes,
)


@dataclass
class Inspection:
    """One path: what it declares, or why it was not read (``skipped`` by a folder scan's rule)."""

    path: Path
    sha256: str | None = None
    entries: list[ProvenanceEntry] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": str(self.path), "sha256": self.sha256}
        if self.error:
            data["error"] = self.error
        else:
            data["declares"] = declaration(self.entries)
            data["provenance"] = [e.to_dict() for e in self.entries]
        return data


def inspect_file(path: str | Path, anchors: TrustAnchors | None = None,
                 reference_sizes: ReferenceSizes | None = None) -> Inspection:
    """Read one file once, hash it and say what it declares; a read failure is its `error`."""
    try:
        data = read_regular_file(path, DEFAULT_MAX_FILE_BYTES)  # never blocks on a pipe or reads a device
    except FileRefused as exc:
        return Inspection(Path(path), error=f"the file was not read: {exc.reason}")
    except OSError as exc:
        return Inspection(Path(path), error=f"the file could not be read ({exc.strerror or exc})")
    entries = read_provenance_bytes(path, data, anchors, reference_sizes)
    return Inspection(Path(path), hashlib.sha256(data).hexdigest(), entries)


def inspect_paths(paths: Sequence[str | Path], progress: ProgressCallback | None = None,
                  cancel: CancelCheck | None = None, reference_sizes: ReferenceSizes | None = None
                  ) -> Iterator[Inspection]:
    """One `Inspection` per file under the paths (left-out entries first, with their reason)."""
    scan = scan_paths(paths)
    files = scan.files
    for entry in scan.skipped:
        yield Inspection(Path(entry.path), error=entry.reason, skipped=not entry.unreadable)
    anchors = load_anchors()
    for done, path in enumerate(files, start=1):
        if cancel is not None and cancel():
            return
        yield inspect_file(path, anchors, reference_sizes)
        if progress is not None:
            progress(done, len(files))


def provenance_record(path: str | Path, sha256: str | None) -> tuple[ProvenanceEntry, ...]:
    """The entries a case item keeps of `path`; a file that changed since it was hashed is said so."""
    inspection = inspect_file(path)
    if inspection.error:
        return (ProvenanceEntry("unreadable", f"Provenance was not read: {inspection.error}.", flag="unreadable"),)
    entries = list(inspection.entries)
    if sha256 and inspection.sha256 != sha256:
        entries.insert(0, ProvenanceEntry(
            "unreadable", "The file changed between its intake hash and the provenance read: what follows describes "
                          "other bytes than those fingerprinted.", flag="file changed during intake"))
    return tuple(entries)
