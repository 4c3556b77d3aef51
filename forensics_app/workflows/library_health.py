"""How consistent each enrolled generator's references are, and which one stands apart.

A generator's fingerprint is the mean of its references; one image of another source
enrolled by mistake (a photograph in the folder, an upscaled copy) pulls that mean
away and every later attribution against it suffers.  Reference counts alone do not
show that, so each reference is compared with the mean of the *other* references of
its generator (leaving itself out, so a small set does not flatter itself) and the
spread of those cosine similarities is reported: the median says how alike the set
is, the minimum how far its oddest member lies, and a reference far below the rest is
named so the analyst can look at the file.

Plain data in, plain data out: the library panel and any command can show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np

from forensics_app.core.library import Library
from forensics_app.core.vectors import leave_one_out_similarities

#: A reference is an outlier when its similarity lies this far below its generator's
#: median, or further when the set itself is spread (3 robust standard deviations).
OUTLIER_MARGIN = 0.15
OUTLIER_SPREADS = 3.0
MIN_REFERENCES_FOR_SPREAD = 3  # with two, each one's "others" are one image: no spread to speak of


@dataclass(frozen=True)
class Outlier:
    sha256: str
    path: str
    similarity: float

    @property
    def file_name(self) -> str:
        return PurePath(self.path.replace("\\", "/")).name or self.path


@dataclass(frozen=True)
class ReferenceSpread:
    """One generator's references: each one's cosine similarity to the mean of the others."""

    name: str
    count: int
    similarities: tuple[float, ...] = ()
    outliers: tuple[Outlier, ...] = field(default_factory=tuple)

    @property
    def measured(self) -> bool:
        return len(self.similarities) >= MIN_REFERENCES_FOR_SPREAD

    @property
    def median(self) -> float | None:
        return float(np.median(self.similarities)) if self.measured else None

    @property
    def minimum(self) -> float | None:
        return float(min(self.similarities)) if self.measured else None

    def summary(self) -> str:
        """'median 0.91, min 0.62', or why there is no figure."""
        if not self.measured:
            return f"needs {MIN_REFERENCES_FOR_SPREAD}+ references"
        return f"median {self.median:.2f}, min {self.minimum:.2f}"

    def warnings(self) -> list[str]:
        """One sentence per outlier reference, naming its file."""
        return [f"'{self.name}': reference {o.file_name} is unlike the others (similarity {o.similarity:.2f} to "
                f"their mean, median {self.median:.2f}); check that it comes from this generator, or remove it "
                "and enrol again." for o in self.outliers]


def outlier_limit(similarities: np.ndarray) -> float:
    """The similarity below which a reference stands apart from its set."""
    median = float(np.median(similarities))
    spread = 1.4826 * float(np.median(np.abs(similarities - median)))  # a robust standard deviation
    return median - max(OUTLIER_MARGIN, OUTLIER_SPREADS * spread)


def reference_spread(name: str, embeddings: np.ndarray, references: list[tuple[str, str]]) -> ReferenceSpread:
    """The spread of one generator's references; `references` are (sha256, path) in the same order."""
    count = len(embeddings)
    if count < MIN_REFERENCES_FOR_SPREAD:
        return ReferenceSpread(name, count)
    similarities = leave_one_out_similarities(embeddings)
    limit = outlier_limit(similarities)
    outliers = tuple(Outlier(str(sha), str(path), float(s))
                     for (sha, path), s in zip(references, similarities, strict=True) if s < limit)
    return ReferenceSpread(name, count, tuple(float(s) for s in similarities),
                           tuple(sorted(outliers, key=lambda o: o.similarity)))


def library_health(library: Library, names: list[str] | None = None,
                   cancel: Callable[[], bool] | None = None) -> dict[str, ReferenceSpread]:
    """Every generator's reference spread (or only `names`'), by name.

    All embeddings come from one table scan (the window calls this after every library
    change, so it must stay quick for a thousand generators); only a generator with an
    outlier is read again, embeddings and paths in one order, so the outlier is named by
    the file it came from.
    """
    sets = library.reference_sets()
    spreads: dict[str, ReferenceSpread] = {}
    for name in names if names is not None else list(sets):
        if cancel is not None and cancel():
            break
        embeddings = sets.get(name, np.zeros((0, library.embedding_dim), np.float32))
        spread = reference_spread(name, embeddings, [("", "")] * len(embeddings))
        if spread.outliers:
            spread = reference_spread(name, library.reference_embeddings(name), library.reference_paths(name))
        spreads[name] = spread
    return spreads
