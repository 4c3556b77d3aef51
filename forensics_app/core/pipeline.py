"""From files on disk to fingerprints: evidence intake and embedding in one stream.

The CLI, the desktop app and `evaluate` all fingerprint files through this one
function, so a file is opened, hashed, converted and cut into crops the same way
everywhere, and every rejected file comes back with its reason instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics_app.core.evidence import (
    DEFAULT_MAX_PIXELS, EvidenceError, EvidenceImage, evidence_from_bytes, open_evidence, read_evidence_bytes,
)
from forensics_app.core.fingerprint.extractor import CancelCheck, Extractor, ProgressCallback
from forensics_app.core.file_layout import PNG_SIGNATURE, walk_png
from forensics_app.core.provenance import ProvenanceEntry, load_anchors, read_provenance_bytes


@dataclass
class FileFingerprint:
    """One input file: its evidence record and fingerprint, or why it has none."""

    path: Path
    evidence: EvidenceImage | None  # metadata only (pixels dropped)
    embedding: np.ndarray | None
    error: str | None
    padded: bool = False
    #: Left out by a folder scan's rule (not an image extension, hidden, a linked folder):
    #: listed with its reason, but not a rejected exhibit.
    skipped: bool = False
    #: What the file declares, read from the bytes that were hashed (when asked for).
    provenance: list[ProvenanceEntry] | None = None

    @property
    def ok(self) -> bool:
        return self.embedding is not None

    @property
    def sha256(self) -> str | None:
        return self.evidence.sha256 if self.evidence else None


def describe_failure(error: Exception) -> str:
    """Why a file got no fingerprint, in the words the record gives."""
    if isinstance(error, EvidenceError):
        return error.reason
    return f"{type(error).__name__}: {error}"


def fingerprint_files(
    extractor: Extractor,
    paths: Iterable[Path],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    batch_images: int = 16,
    provenance: bool = False,
) -> Iterator[FileFingerprint]:
    """Stream each file's fingerprint in input order; failures are reported, not raised.

    With ``provenance``, what each file declares is read in the same worker from the same
    bytes as its pixels: the file is opened once, so no second read can meet other bytes
    (or a pipe swapped in meanwhile), and the window's thread never parses metadata.
    """
    paths = [Path(p) for p in paths]
    load = _with_provenance(max_pixels) if provenance else (lambda path: open_evidence(path, max_pixels=max_pixels))
    stream = extractor.embed_stream(paths, load=load, batch_images=batch_images, progress=progress, cancel=cancel)
    for outcome in stream:
        error = describe_failure(outcome.error) if outcome.error is not None else None
        loaded = outcome.loaded
        if isinstance(loaded, _Intake):
            yield FileFingerprint(outcome.item, loaded.evidence, outcome.embedding, error, outcome.padded,
                                  provenance=loaded.provenance)
        else:
            yield FileFingerprint(outcome.item, loaded, outcome.embedding, error, outcome.padded)


@dataclass
class _Intake:
    """One file's evidence and provenance, from one read; what the embedding stream loads."""

    evidence: EvidenceImage
    provenance: list[ProvenanceEntry]

    @property
    def pixels(self) -> np.ndarray | None:
        return self.evidence.pixels

    def without_pixels(self) -> _Intake:
        return _Intake(self.evidence.without_pixels(), self.provenance)


def _with_provenance(max_pixels: int):
    anchors = load_anchors()

    def load(path: Path) -> _Intake:
        abs_path, data = read_evidence_bytes(path)
        png = walk_png(data) if data.startswith(PNG_SIGNATURE) else None  # one walk (text inflated once) for both
        evidence = evidence_from_bytes(abs_path, data, max_pixels, png)
        try:
            provenance = read_provenance_bytes(abs_path, data, anchors, png=png)
        except Exception as exc:  # a reader's bug must not reject a sound image, nor hide
            provenance = [ProvenanceEntry("unreadable", f"What the file declares could not be read "
                                          f"({type(exc).__name__}: {exc}); its fingerprint is unaffected.",
                                          flag="provenance unreadable")]
        return _Intake(evidence, provenance)

    return load
