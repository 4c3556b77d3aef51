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

from forensics_app.core.evidence import DEFAULT_MAX_PIXELS, EvidenceError, EvidenceImage, open_evidence
from forensics_app.core.fingerprint.extractor import CancelCheck, Extractor, ProgressCallback


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

    @property
    def ok(self) -> bool:
        return self.embedding is not None

    @property
    def sha256(self) -> str | None:
        return self.evidence.sha256 if self.evidence else None


def _describe(error: Exception) -> str:
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
) -> Iterator[FileFingerprint]:
    """Stream each file's fingerprint in input order; failures are reported, not raised."""
    paths = [Path(p) for p in paths]
    stream = extractor.embed_stream(
        paths,
        load=lambda path: open_evidence(path, max_pixels=max_pixels),
        batch_images=batch_images,
        progress=progress,
        cancel=cancel,
    )
    for outcome in stream:
        error = _describe(outcome.error) if outcome.error is not None else None
        yield FileFingerprint(outcome.item, outcome.loaded, outcome.embedding, error, outcome.padded)
