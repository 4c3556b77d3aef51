"""Which enrolled generator made an image: ranking, open-set decision, calibrated score.

Every enrolled generator is one gallery entry, the unit mean of its reference
fingerprints.  An image is compared with every entry by cosine similarity; the best is
reported only when it clears the open-set threshold, otherwise the image is attributed
to an "unknown" generator, since an analyst's library never holds every model in the
world.  Threshold and score map come from the model card (`Calibration`): they were
fitted on synthetic models the extractor never saw, so they travel with the weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np

from forensics_app.core.evaluation import equal_error_threshold, normalise
from forensics_app.core.fingerprint.extractor import Calibration

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Match:
    generator: str
    similarity: float
    score: float  # calibrated probability that image and generator share a source


@dataclass(frozen=True)
class Attribution:
    matches: list[Match]  # every enrolled generator, most similar first
    decision: str  # a generator name, or UNKNOWN
    threshold: float

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def to_dict(self) -> dict:
        return {"decision": self.decision, "threshold": self.threshold, "matches": [asdict(m) for m in self.matches]}


def library_calibration(references: Mapping[str, np.ndarray], base: Calibration) -> Calibration:
    """The card's calibration, made no less strict than the library's own references allow.

    The card's threshold and score map were fitted on synthetic models.  Real generators
    can sit closer together than synthetic ones, and then a threshold from synthetic
    models lets a generator that is not enrolled pass as an enrolled one with a high
    score.  The enrolled references measure this for the library at hand: each reference
    is compared, leave-one-out, with its own generator's mean (genuine) and with every
    other generator's mean (impostor).  When their equal-error similarity is above the
    card's threshold, the threshold is raised to it and the score map is re-centred there
    (the card's slope kept), so that even odds sit where this library's generators start
    to be confused.  Needs two generators with at least two references each; otherwise
    the card's calibration is returned unchanged.
    """
    usable = {name: normalise(np.asarray(refs, dtype=np.float32)) for name, refs in references.items() if len(refs) >= 2}
    if len(usable) < 2:
        return base
    names = list(usable)
    means = normalise(np.stack([refs.mean(axis=0) for refs in usable.values()]))
    genuine, impostor = [], []
    for index, name in enumerate(names):
        refs = usable[name]
        totals = refs.sum(axis=0)
        leave_one_out = normalise(totals[None, :] - refs)
        genuine.append(np.einsum("ij,ij->i", refs, leave_one_out))
        others = np.delete(means, index, axis=0)
        impostor.append((refs @ others.T).ravel())
    threshold = equal_error_threshold(np.concatenate(genuine), np.concatenate(impostor))
    if threshold <= base.threshold:
        return base
    return replace(
        base,
        threshold=threshold,
        intercept=-base.slope * threshold,
        source=f"{base.source}; raised to this library's equal-error similarity over "
        f"{sum(len(r) for r in usable.values())} enrolled references of {len(usable)} generators",
    )


def similarity_matrix(embeddings: np.ndarray, gallery: np.ndarray) -> np.ndarray:
    """(N, D) x (G, D) -> (N, G) cosine similarities."""
    return normalise(np.atleast_2d(embeddings)) @ normalise(np.atleast_2d(gallery)).T


def rank_indices(similarity: np.ndarray, top: int | None = None) -> np.ndarray:
    """Per row, gallery indices from most to least similar (only the `top` first if given).

    For a top-k of a large gallery, argpartition first keeps this linear in the gallery
    size rather than a full sort of every row.
    """
    if top is not None and top < similarity.shape[1]:
        part = np.argpartition(-similarity, top - 1, axis=1)[:, :top]
        order = np.take_along_axis(similarity, part, axis=1).argsort(axis=1)[:, ::-1]
        return np.take_along_axis(part, order, axis=1)
    return np.argsort(-similarity, axis=1, kind="stable")


def attribute(
    embeddings: np.ndarray,
    names: list[str],
    gallery: np.ndarray,
    calibration: Calibration,
    threshold: float | None = None,
    top: int | None = None,
) -> list[Attribution]:
    """Rank the gallery for each embedding and take the open-set decision."""
    threshold = calibration.threshold if threshold is None else float(threshold)
    if not names:
        return [Attribution([], UNKNOWN, threshold) for _ in range(len(np.atleast_2d(embeddings)))]
    similarity = similarity_matrix(embeddings, gallery)
    order = rank_indices(similarity, top)
    scores = calibration.score(similarity)
    results = []
    for row, ranked in enumerate(order):
        matches = [Match(names[g], float(similarity[row, g]), float(scores[row, g])) for g in ranked]
        decision = matches[0].generator if matches[0].similarity >= threshold else UNKNOWN
        results.append(Attribution(matches, decision, threshold))
    return results


@dataclass(frozen=True)
class Verification:
    similarity: float
    score: float
    same_source: bool
    threshold: float


def verify(first: np.ndarray, second: np.ndarray, calibration: Calibration, threshold: float | None = None) -> Verification:
    """1:1: do two images share a source?  The same threshold and score map as 1:N."""
    threshold = calibration.threshold if threshold is None else float(threshold)
    similarity = float(similarity_matrix(first, second)[0, 0])
    return Verification(similarity, float(calibration.score(similarity)), similarity >= threshold, threshold)
