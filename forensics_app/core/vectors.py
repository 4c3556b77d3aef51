"""Embedding arithmetic: unit length and class means, computed one way everywhere.

Attribution, evaluation, clustering and the library gallery all compare fingerprints by
cosine similarity against mean fingerprints.  If each computed its means or its norms a
little differently, the same images could score differently in the app, in `evaluate`
and in the report; keeping the arithmetic here makes them agree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["class_means", "leave_one_out_similarities", "normalise", "unit_references"]


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit length along the last axis, as float32; an all-zero vector stays zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def class_means(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct labels in sorted order, (C, D) float64 mean embedding of each).

    The rows are grouped with one sort and one ``reduceat`` rather than one mask per
    class, because the library gallery runs this over every reference of every
    generator on each attribution.  Sums are taken in float64 so that a class of many
    float32 embeddings loses nothing to rounding.  The means are not normalised: the
    callers that want unit vectors say so with :func:`normalise`.
    """
    embeddings = np.asarray(embeddings)
    labels = np.asarray(labels)
    if labels.shape[0] != embeddings.shape[0]:
        raise ValueError(f"{embeddings.shape[0]} embeddings but {labels.shape[0]} labels")
    names, inverse = np.unique(labels, return_inverse=True)
    if not names.size:
        return names, np.zeros((0, *embeddings.shape[1:]), np.float64)
    order = np.argsort(inverse, kind="stable")
    grouped = inverse.reshape(-1)[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    sums = np.add.reduceat(embeddings[order], starts, axis=0, dtype=np.float64)
    counts = np.diff(np.r_[starts, grouped.size])
    return names, sums / counts[:, None]


def unit_references(references: Mapping[str, np.ndarray]) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """(names, each one's unit reference vectors, (G, D) unit means) of the generators that have references.

    Every comparison of known source built from a library (attribution, closed set) starts
    from the same normalised references and means.
    """
    usable = {name: normalise(np.asarray(refs, dtype=np.float32)) for name, refs in references.items() if len(refs)}
    if not usable:
        return [], [], np.zeros((0, 0), np.float32)
    return list(usable), list(usable.values()), normalise(np.stack([refs.mean(axis=0) for refs in usable.values()]))


def leave_one_out_similarities(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row to the mean of all the other rows (n >= 2).

    How well a reference agrees with the rest of its generator: the library's
    consistency check and the policy's same-source comparisons both measure it this way.
    """
    unit = normalise(np.asarray(embeddings, dtype=np.float64))
    others = unit.sum(axis=0, keepdims=True) - unit
    return np.einsum("ij,ij->i", unit, normalise(others))


def sample_pairs(count: int, max_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (first, second) of `count` items: every pair when there are at most
    `max_pairs`, otherwise a seeded random sample of about that many distinct-item pairs.

    One sampler serves the pair calibration and the verification figure, so the
    evidence and its validation are drawn the same way.
    """
    if count * (count - 1) // 2 <= max_pairs:
        return np.triu_indices(count, k=1)
    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, count, max_pairs), rng.integers(0, count, max_pairs)
    keep = first != second
    return first[keep], second[keep]
