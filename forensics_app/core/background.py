"""The background population: fingerprints of sources no analyst will have enrolled.

A likelihood ratio compares "made by this generator" with "made by any other source",
and the library alone cannot show what other sources look like: with one generator
enrolled it holds no different-source comparison at all.  So every extractor ships with
the fingerprints of a population of other sources (camera photographs from Debian's
wallpaper packages, scikit-image's sample photographs, and outputs of small real
generators from PyPI), embedded once with these very weights.  The file's SHA-256 is in
the model card, so an edited or swapped population is refused like edited weights.

A probe compared in a matched condition (a JPEG quality, with the references brought to
it) must be calibrated against other sources in that condition too: a shared JPEG
quality makes images of different makers look alike, and a clean population would then
understate how alike different sources can be, overstating the likelihood ratio.  So the
population is also kept re-encoded at each quality of the matching ladder
(`in_condition`), as the references are.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
    #: JPEG quality -> the same images re-encoded at it and fingerprinted, (N, D) each
    reencoded: Mapping[int, np.ndarray] = field(default_factory=dict)
    jpeg_quality: int | None = None  # the condition `embeddings` are in; None: as the images were stored

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])

    def counts(self) -> dict[str, int]:
        return dict(Counter(str(s).split("/")[0] for s in self.sources))

    @property
    def qualities(self) -> tuple[int, ...]:
        return tuple(sorted(self.reencoded, reverse=True))

    def in_condition(self, jpeg_quality: int | None) -> "Background | None":
        """The population in that condition: as stored for None, None where it was not re-encoded at it."""
        if jpeg_quality is None:
            return self if self.jpeg_quality is None else None
        embeddings = self.reencoded.get(int(jpeg_quality))
        if embeddings is None:
            return None
        return replace(self, embeddings=embeddings, reencoded={}, jpeg_quality=int(jpeg_quality))

    def describe(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in sorted(self.counts().items()))
        condition = "" if self.jpeg_quality is None else f", each re-encoded as JPEG quality {self.jpeg_quality}"
        return f"{len(self)} images of other sources ({parts}{condition})"


def background_bytes(embeddings: np.ndarray, sources: list[str], generators: list[str], extractor_id: str,
                     reencoded: Mapping[int, np.ndarray] | None = None) -> bytes:
    """The population file; `reencoded` (quality -> (N, D)) is stored at half precision, which
    moves a cosine by less than 1e-3, far below what separates sources."""
    reencoded = dict(reencoded or {})
    qualities = sorted(reencoded, reverse=True)
    extra = {} if not qualities else {
        "reencoded_qualities": np.array(qualities, dtype=np.int16),
        "reencoded_embeddings": np.stack([normalise(np.asarray(reencoded[q], dtype=np.float32))
                                          for q in qualities]).astype(np.float16)}
    buffer = io.BytesIO()
    np.savez(buffer, embeddings=normalise(np.asarray(embeddings, dtype=np.float32)),
             sources=np.array(sources, dtype=str), generators=np.array(sorted(generators), dtype=str),
             extractor_id=np.array(extractor_id), **extra)
    return buffer.getvalue()


def read_background(path: Path, expected_sha256: str, extractor_id: str, embedding_dim: int) -> Background:
    """Load and verify; any mismatch is an error, never a silent fallback."""
    path = Path(path)
    payload = read_sealed(path, expected_sha256, "background population", BackgroundError)
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            embeddings = np.asarray(data["embeddings"], dtype=np.float32)
            sources = np.asarray(data["sources"]).astype(str)
            generators = frozenset(np.asarray(data["generators"]).astype(str).tolist())
            stamped = str(data["extractor_id"])
            qualities = (np.asarray(data["reencoded_qualities"]).astype(int).tolist()
                         if "reencoded_qualities" in data else [])
            stack = (np.asarray(data["reencoded_embeddings"], dtype=np.float32) if qualities
                     else np.zeros((0,) + embeddings.shape, np.float32))
    except (KeyError, ValueError, OSError) as exc:
        raise BackgroundError(f"the background population {path} is damaged ({exc}); reinstall the program") from exc
    if stamped != extractor_id or embeddings.ndim != 2 or embeddings.shape[1] != embedding_dim:
        raise BackgroundError(f"the background population was embedded with extractor {stamped}, not {extractor_id}; "
                              "rebuild it with 'python -m training background'")
    if (embeddings.shape[0] != sources.shape[0] or not np.isfinite(embeddings).all()
            or stack.shape != (len(qualities),) + embeddings.shape or not np.isfinite(stack).all()
            or len(set(qualities)) != len(qualities)):
        raise BackgroundError(f"the background population {path} is damaged; reinstall the program")
    reencoded = {quality: normalise(stack[i]) for i, quality in enumerate(qualities)}
    # read_sealed checked it is the digest
    return Background(embeddings, sources, generators, extractor_id, expected_sha256, reencoded)
