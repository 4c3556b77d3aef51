"""Which enrolled generator made an image: ranking, likelihood ratios, the decision policy.

Every enrolled generator is one gallery entry, the unit mean of its reference
fingerprints.  An image is compared with every entry by cosine similarity, and each
similarity becomes a likelihood ratio through the `DecisionPolicy`: calibrations fitted
on real comparisons (see `likelihood`) and the LR a generator must reach to be named.
A generator is named only when the evidence supports it at that level; otherwise the
decision is "no enrolled generator supported", which is the true answer for a camera
photograph or a generator the library does not hold.  The same policy decides 1:1
verification and where clustering cuts, so the app, the command line and the report
cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from forensics_app.core.background import Background
from forensics_app.core.decision.closed_set import closed_set_margins, fit_closed_set
from forensics_app.core.decision.likelihood import LRCalibration, fit_lr_calibration, format_lr, support_words
from forensics_app.core.vectors import leave_one_out_similarities, normalise, sample_pairs, unit_references

UNKNOWN = "unknown"
UNKNOWN_TEXT = "no enrolled generator supported"
# LR a generator must reach to be named: 100, the bottom of "moderately strong support"
# (ENFSI 2015).  On the dev set (fingerprint 61dade7fe869, 6 of 13 generators enrolled
# from 10 images) it names 45.6% of probes of enrolled generators rightly and 1.5% of
# probes of other generators and camera photographs; at 10 those were 71.8% and 26.8%,
# far more wrong names than an analyst can be given; at 1,000 nothing is named.
DEFAULT_NAMING_LR = 100.0
NAMING_LEVELS = (10.0, 100.0, 1_000.0, 10_000.0)
MAX_BACKGROUND_PAIRS = 20_000
#: Same-source pairs drawn from one enrolled generator (every pair up to this many).
MAX_SAME_PAIRS_PER_GENERATOR = 5_000


@dataclass(frozen=True)
class Match:
    generator: str
    similarity: float
    lr: float  # likelihood ratio: made by this generator vs by any other source


@dataclass(frozen=True)
class DecisionPolicy:
    """The one rule every view, command and report decides by.

    `attribution` maps image-to-generator similarity to an LR; `pairs` maps
    image-to-image similarity (verification, clustering); `naming_lr` is the LR a
    generator must reach to be named and two images to be called one source;
    `origin` says in plain words where all of it came from.
    """

    attribution: LRCalibration
    pairs: LRCalibration
    naming_lr: float = DEFAULT_NAMING_LR
    origin: str = ""
    naming_origin: str = "default"
    closed_set: LRCalibration | None = None  # see core.closed_set; None for one generator or an older case

    @property
    def threshold(self) -> float | None:
        """The image-to-generator similarity at which a generator is named (None: never)."""
        return self.attribution.score_at(self.naming_lr)

    @property
    def pair_threshold(self) -> float | None:
        """The image-to-image similarity at which two images are called one source (None: never)."""
        return self.pairs.score_at(self.naming_lr)

    def describe(self, pairs: bool = False) -> str:
        """The policy in force and its origin, stated once, in plain words.

        `pairs`: the rule for two images (verification, groups) instead of image and generator.
        """
        calibration = self.pairs if pairs else self.attribution
        cutoff = self.pair_threshold if pairs else self.threshold
        what = "two images are called one source" if pairs else "a generator is named"
        level = f"a likelihood ratio of at least {format_lr(self.naming_lr)} ({support_words(self.naming_lr)}, ENFSI 2015)"
        who = "the analyst's setting" if self.naming_origin == "analyst" else "the program's default"
        reach = (f"A similarity of {cutoff:.3f} or more reaches it." if cutoff is not None else
                 "No similarity reaches it with the comparisons available, so this never happens.")
        return (f"{what[0].upper()}{what[1:]} only when the findings give {level}, {who}. {reach} "
                f"Likelihood ratios are calibrated on {calibration.source}; the largest the calibration can "
                f"support is {format_lr(10 ** calibration.upper)}.")

    def to_dict(self) -> dict:
        return {"naming_lr": self.naming_lr, "naming_origin": self.naming_origin, "origin": self.origin,
                "threshold": self.threshold, "pair_threshold": self.pair_threshold,
                "attribution": self.attribution.to_dict(), "pairs": self.pairs.to_dict(),
                **({"closed_set": self.closed_set.to_dict()} if self.closed_set is not None else {})}

    @classmethod
    def from_dict(cls, data: Mapping) -> "DecisionPolicy":
        naming = float(data["naming_lr"])
        if not math.isfinite(naming) or naming < 1.0:
            raise ValueError(f"a naming level must be a likelihood ratio of 1 or more, not {naming}")
        closed = data.get("closed_set")
        return cls(LRCalibration.from_dict(data["attribution"]), LRCalibration.from_dict(data["pairs"]),
                   naming, str(data.get("origin", "")), str(data.get("naming_origin", "default")),
                   LRCalibration.from_dict(closed) if closed else None)


@dataclass(frozen=True)
class Attribution:
    matches: list[Match]  # every enrolled generator, most similar first
    decision: str  # a generator name, or UNKNOWN
    naming_lr: float = DEFAULT_NAMING_LR
    closed_set_lr: float | None = None  # the first-ranked generator against the other enrolled ones

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def named(self) -> bool:
        return self.decision != UNKNOWN


def attribution_comparisons(references: Mapping[str, np.ndarray], background: Background | None) -> tuple[np.ndarray, np.ndarray]:
    """(same-source, different-source) image-to-generator similarities with known truth.

    Same source: each reference against the mean of its generator's other references
    (leave one out).  Different source: each reference against every other generator's
    mean, and every background image against every generator's mean.
    """
    names, unit, means = unit_references(references)
    if not names:
        return np.zeros(0), np.zeros(0)
    same, different = [], []
    for index, refs in enumerate(unit):
        if len(refs) >= 2:
            same.append(leave_one_out_similarities(refs))
        others = np.delete(means, index, axis=0)
        if len(others):
            different.append((refs @ others.T).ravel())
    if background is not None and len(background):
        different.append((background.embeddings @ means.T).ravel())
    flat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
    return flat(same), flat(different)


def pair_comparisons(references: Mapping[str, np.ndarray], background: Background | None,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(same-source, different-source) image-to-image similarities with known truth.

    Pairs within one enrolled generator or one background generator are same-source;
    pairs across generators, and pairs with a camera photograph of the background, are
    different-source.  Pairs are sampled (seeded): every same-source pair of a generator
    while it has at most :data:`MAX_SAME_PAIRS_PER_GENERATOR`, a sample of that many
    otherwise, so work and memory grow linearly with the references (all pairs of 4,000
    references of one generator took 8.75 GB).
    """
    vectors, labels = [], []
    for name, refs in references.items():
        if len(refs):
            vectors.append(normalise(np.asarray(refs, dtype=np.float32)))
            labels += [f"library:{name}"] * len(refs)
    if background is not None and len(background):
        vectors.append(background.embeddings)
        labels += [f"background:{s}" for s in background.sources]
    if not vectors:
        return np.zeros(0), np.zeros(0)
    embeddings, labels = np.concatenate(vectors), np.asarray(labels)
    n = len(labels)
    first, second = sample_pairs(n, MAX_BACKGROUND_PAIRS * 4, seed)
    if n * (n - 1) // 2 > MAX_BACKGROUND_PAIRS * 4:
        # the library's own same-source pairs are the most informative: each generator's are added
        offset = 0
        for index, refs in enumerate(references.values()):
            a, b = sample_pairs(len(refs), MAX_SAME_PAIRS_PER_GENERATOR, seed + 1 + index)
            first, second = np.concatenate([first, a + offset]), np.concatenate([second, b + offset])
            offset += len(refs)
    similarity = pair_similarities(embeddings, first, second)
    same = labels[first] == labels[second]
    # two photographs of the background are not known to share a source or not: leave them out
    camera = np.array([not (s.startswith("library:") or s.split(":", 1)[1] in background.generators)
                       for s in labels]) if background is not None else np.zeros(n, bool)
    unknown = same & camera[first]
    return similarity[same & ~unknown], similarity[~same]


def pair_similarities(embeddings: np.ndarray, first: np.ndarray, second: np.ndarray,
                      chunk: int = 8192) -> np.ndarray:
    """Cosine of each pair (rows are unit vectors), a chunk of pairs at a time, never a copy of all rows."""
    out = np.empty(len(first), dtype=np.float64)
    for start in range(0, len(first), chunk):
        a, b = first[start:start + chunk], second[start:start + chunk]
        out[start:start + chunk] = np.einsum("ij,ij->i", embeddings[a], embeddings[b])
    return out


def build_policy(references: Mapping[str, np.ndarray], background: Background | None,
                 naming_lr: float | None = None) -> DecisionPolicy:
    """The decision policy for a library and the extractor's background population."""
    references = {name: np.asarray(refs) for name, refs in references.items()}
    enrolled = sum(len(r) for r in references.values())
    what = f"{enrolled} reference(s) of {len(references)} enrolled generator(s)"
    where = f"{what} and {background.describe()}" if background is not None else f"{what} (no background population)"
    same, different = attribution_comparisons(references, background)
    attribution = fit_lr_calibration(same, different, f"{len(same)} same-source and {len(different)} "
                                     f"different-source comparisons of images with generators ({where})")
    same_pairs, different_pairs = pair_comparisons(references, background)
    pairs = fit_lr_calibration(same_pairs, different_pairs, f"{len(same_pairs)} same-source and {len(different_pairs)} "
                               f"different-source pairs of images ({where})")
    origin = "analyst" if naming_lr is not None else "default"
    return DecisionPolicy(attribution, pairs, float(naming_lr or DEFAULT_NAMING_LR), where, origin,
                          fit_closed_set(references))


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


def attribute(embeddings: np.ndarray, names: list[str], gallery: np.ndarray, policy: DecisionPolicy,
              top: int | None = None) -> list[Attribution]:
    """Rank the gallery for each embedding and name a generator only where the policy allows."""
    count = len(np.atleast_2d(embeddings)) if np.size(embeddings) else 0
    if not names:
        return [Attribution([], UNKNOWN, policy.naming_lr) for _ in range(count)]
    similarity = similarity_matrix(embeddings, gallery)
    order = rank_indices(similarity, top)
    lrs = policy.attribution.lr(similarity)
    closed = None
    if policy.closed_set is not None and len(names) >= 2:
        margins = closed_set_margins(similarity)
        closed = policy.closed_set.lr(margins[np.arange(len(order)), order[:, 0]])
    results = []
    for row, ranked in enumerate(order):
        matches = [Match(names[g], float(similarity[row, g]), float(lrs[row, g])) for g in ranked]
        decision = matches[0].generator if matches[0].lr >= policy.naming_lr else UNKNOWN
        results.append(Attribution(matches, decision, policy.naming_lr,
                                   closed_set_lr=None if closed is None else float(closed[row])))
    return results


@dataclass(frozen=True)
class Verification:
    similarity: float
    lr: float
    same_source: bool  # the LR reaches the policy's naming level
    naming_lr: float

    @property
    def words(self) -> str:
        return support_words(self.lr) + (" for different sources" if self.lr < 1.0 else "")


def verify(first: np.ndarray, second: np.ndarray, policy: DecisionPolicy) -> Verification:
    """1:1: do two images share a source?  The policy's pair calibration and naming level."""
    similarity = float(similarity_matrix(first, second)[0, 0])
    lr = float(policy.pairs.lr(similarity))
    return Verification(similarity, lr, lr >= policy.naming_lr, policy.naming_lr)
