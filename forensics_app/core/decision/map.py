"""The 2-D map of all fingerprints: t-SNE on cosine distance, the same for the same input.

The map shows neighbourhoods, never a decision: groups and names come from the decision
policy (:mod:`~forensics_app.core.decision.grouping`, :mod:`~forensics_app.core.decision.attribution`).
"""

from __future__ import annotations

import numpy as np

from forensics_app.core.vectors import normalise

MIN_MAP_IMAGES = 5


class TooFewImagesError(ValueError):
    """The map needs more images than were given."""


def tsne_map(embeddings: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """(N, 2) t-SNE coordinates on cosine distance, the same for the same input and seed."""
    from sklearn.manifold import TSNE

    embeddings = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
    n = embeddings.shape[0]
    if n < MIN_MAP_IMAGES:
        raise TooFewImagesError(f"the map needs at least {MIN_MAP_IMAGES} fingerprinted images; {n} given")
    perplexity = float(min(perplexity, (n - 1) / 3.0))
    model = TSNE(n_components=2, perplexity=perplexity, metric="cosine", init="pca", random_state=seed, n_jobs=1)
    return model.fit_transform(normalise(embeddings)).astype(np.float32)
