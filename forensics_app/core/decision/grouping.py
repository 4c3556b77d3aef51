"""Grouping images by likely common source.

Clustering needs no library: agglomerative clustering with average linkage on cosine
distance, cut at the distance that corresponds to the calibrated open-set threshold,
so the number of groups follows from the data rather than being asked of the analyst.
"""

from __future__ import annotations

import numpy as np

from forensics_app.core.vectors import normalise

def cluster(embeddings: np.ndarray, similarity_threshold: float, n_clusters: int | None = None) -> np.ndarray:
    """Cluster labels 0..k-1, largest group first; one image is its own group.

    Groups are merged while their average cosine similarity stays above
    `similarity_threshold`; `n_clusters` forces a number of groups instead.
    """
    from sklearn.cluster import AgglomerativeClustering

    embeddings = normalise(np.atleast_2d(np.asarray(embeddings, dtype=np.float32)))
    n = embeddings.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    if n_clusters is not None:
        model = AgglomerativeClustering(n_clusters=min(n_clusters, n), metric="cosine", linkage="average")
    else:
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=max(1e-6, 1.0 - similarity_threshold)
        )
    labels = model.fit_predict(embeddings)
    # renumber by size so that cluster 0 is always the largest group
    counts = np.bincount(labels)
    order = np.argsort(-counts, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(order.size)
    return renumber[labels]


def groups_at(embeddings: np.ndarray, pair_threshold: float | None) -> np.ndarray:
    """Groups of likely common source: average linkage cut at `pair_threshold`.

    None (no similarity reaches the naming level) leaves every image its own group.  The
    analysis and the re-check of a saved case both call this, so they cannot disagree.
    """
    if not len(embeddings):
        return np.zeros(0, dtype=int)
    if pair_threshold is None:
        return np.arange(len(embeddings))
    return cluster(embeddings, pair_threshold)
