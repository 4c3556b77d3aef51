"""The background population: fingerprints of sources no analyst will have enrolled.

A likelihood ratio compares "made by this generator" with "made by any other source",
and the library alone cannot show what other sources look like: with one generator
enrolled it holds no different-source comparison at all.  So every extractor ships with
the fingerprints of a population of other sources (camera photographs from Debian's
wallpaper packages, scikit-image's sample photographs, and outputs of small real
generators from PyPI), embedded once with these very weights.  The file's SHA-256 is in
the model card, so an edited or swapped population is refused like edited weights.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics_app.core.sealed_file import read_sealed
from forensics_app.core.vectors import normalise

BACKGROUND_NAME = "background.npz"


class BackgroundError(Exception):
    """The background population cannot be used; the message says why."""


@dataclass(frozen=True)
class Background:
    embeddings: np.ndarray  # (N, D) unit vectors
    sources: np.ndarray  # (N,) source label of each image: one camera photo, or one generator
    generators: frozenset[str]  # the labels that are generators (several images of one source)
    extractor_id: str
    sha256: str

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def counts(self) -> dict[str, int]:
        return dict(Counter(str(s).split("/")[0] for s in self.sources))

    def describe(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(self.counts().items()))
        return f"{len(self)} images of other sources ({parts})"


def background_bytes(embeddings: np.ndarray, sources: list[str], generators: list[str], extractor_id: str) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, embeddings=normalise(np.asarray(embeddings, dtype=np.float32)),
             sources=np.array(sources, dtype=str), generators=np.array(sorted(generators), dtype=str),
             extractor_id=np.array(extractor_id))
    return buffer.getvalue()


def read_background(path: Path, expected_sha256: str, extractor_id: str, embedding_dim: int) -> Background:
    """Load and verify; any mismatch is an error, never a silent fallback."""
    path = Path(path)
    payload = read_sealed(path, expected_sha256, "background population", BackgroundError)
    with np.load(io.BytesIO(payload), allow_pickle=False) as data:
        embeddings = np.asarray(data["embeddings"], dtype=np.float32)
        sources = np.asarray(data["sources"]).astype(str)
        generators = frozenset(np.asarray(data["generators"]).astype(str).tolist())
        stamped = str(data["extractor_id"])
    if stamped != extractor_id or embeddings.ndim != 2 or embeddings.shape[1] != embedding_dim:
        raise BackgroundError(f"the background population was embedded with extractor {stamped}, not {extractor_id}; "
                              "rebuild it with 'python -m training background'")
    if embeddings.shape[0] != sources.shape[0] or not np.isfinite(embeddings).all():
        raise BackgroundError(f"the background population {path} is damaged; reinstall the program")
    return Background(embeddings, sources, generators, extractor_id, expected_sha256)  # read_sealed checked it is the digest
