"""Fitting the fingerprint back-end on the rendered background (never on evaluation data).

Three projections of the residual statistics, all learned from the background alone:

- PCA whitening: the background's principal directions, each scaled to unit variance
  (unlabelled: it needs only the variety of the background);
- PCA then within-source whitening (WCCN): directions in which one source's images vary
  (content, size, re-encoding) are shrunk, using the background's source ids;
- PCA then LDA on the source ids: the directions that best separate sources relative to
  their within-source spread.

Optionally the joined streams are then mapped to the background's two-covariance PLDA
geometry (`plda_scaled_map`), which needs the background's learned-stream embeddings.

The streams' shares of the fused cosine are either fixed by the variant or fitted by
logistic-regression fusion of the two streams' cosines on comparisons of known truth
among the background's sources (`fusion_weight`), cross-fitted so that the residual
projection never scores the sources it was fitted on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.linalg import eigh
from sklearn.linear_model import LogisticRegression

from forensics_app.core.fingerprint.backend import BACKEND_NAME, Backend, fused_extractor_id
from forensics_app.core.fingerprint.extractor import CARD_NAME, ModelCard, read_card, write_card
from forensics_app.core.fingerprint.residual_stats import ResidualStatsConfig, select_statistics

STUDY_COMPUTED = ResidualStatsConfig(filters=("first", "second", "third"))


def pca_whitening(features: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, projection F x dims): principal directions scaled to unit variance."""
    mean = features.mean(axis=0)
    _, singular, vt = np.linalg.svd(features - mean, full_matrices=False)
    dims = min(dims, int((singular > singular[0] * 1e-6).sum()))
    scale = np.sqrt(max(1, features.shape[0] - 1)) / singular[:dims]
    return mean, vt[:dims].T * scale


def within_between(projected: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Within- and between-source covariances over sources with two or more images."""
    dims = projected.shape[1]
    within, between, count = np.zeros((dims, dims)), np.zeros((dims, dims)), 0
    overall = projected.mean(axis=0)
    for source in np.unique(sources):
        members = projected[sources == source]
        if len(members) < 2:
            continue
        centre = members.mean(axis=0)
        deviation = members - centre
        within += deviation.T @ deviation
        between += len(members) * np.outer(centre - overall, centre - overall)
        count += len(members)
    return within / max(1, count), between / max(1, count)


def within_whitening(projected: np.ndarray, sources: np.ndarray, shrink: float = 0.1) -> np.ndarray:
    within, _ = within_between(projected, sources)
    within = (1 - shrink) * within + shrink * np.eye(within.shape[0]) * np.trace(within) / within.shape[0]
    values, vectors = np.linalg.eigh(within)
    return vectors / np.sqrt(np.maximum(values, 1e-9))


def lda(projected: np.ndarray, sources: np.ndarray, dims: int, shrink: float = 0.1) -> np.ndarray:
    within, between = within_between(projected, sources)
    within = (1 - shrink) * within + shrink * np.eye(within.shape[0]) * np.trace(within) / within.shape[0]
    root = within_whitening(projected, sources, shrink)
    values, vectors = np.linalg.eigh(root.T @ between @ root)
    order = np.argsort(values)[::-1][:dims]
    return root @ vectors[:, order]


def two_covariance(vectors: np.ndarray, sources: np.ndarray, floor: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """(B, W) of two-covariance PLDA, x = m + y + e, y ~ N(0, B), e ~ N(0, W).

    W is pooled over the sources with two or more images, B is the covariance of their
    means; `floor` keeps both invertible where the background has no spread.
    """
    classes = [np.flatnonzero(sources == source) for source in np.unique(sources)]
    classes = [members for members in classes if members.size >= 2]
    if len(classes) < 2:
        raise ValueError("PLDA needs two or more background sources with two or more images each")
    means = np.stack([vectors[members].mean(axis=0) for members in classes])
    within = sum((vectors[m] - means[i]).T @ (vectors[m] - means[i]) for i, m in enumerate(classes))
    identity = np.eye(vectors.shape[1])
    return np.cov(means.T) + floor * identity, within / sum(m.size for m in classes) + floor * identity


def plda_scaled_map(vectors: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, square map): B and W diagonalised (W to the identity), each direction scaled by sqrt(b / (b + 1)).

    PLDA's score of a probe against a source's references is dominated by their inner
    product weighted by b / (b + 1) per direction of this basis, so the cosine in the
    mapped space ranks as PLDA ranks while everything downstream stays a cosine.
    """
    mean = vectors.mean(axis=0)
    between, within = two_covariance(vectors - mean, sources)
    strength, directions = eigh(between, within)
    return mean, directions * np.sqrt(strength / (strength + 1.0))


@dataclass(frozen=True)
class FusionFit:
    """Logistic-regression fusion of the two streams' cosines, fitted on background comparisons."""

    residual_coefficient: float
    learned_coefficient: float
    same_pairs: int
    different_pairs: int

    @property
    def residual_weight(self) -> float:
        """The residual stream's share of the fused cosine (the fusion's slope ratio), in [0, 1]."""
        residual, learned = max(0.0, self.residual_coefficient), max(0.0, self.learned_coefficient)
        if residual + learned <= 0.0:
            raise ValueError("neither stream's cosine separates the background's sources: no fusion can be fitted")
        return residual / (residual + learned)

    def describe(self) -> str:
        return (f"logistic-regression fusion on {self.same_pairs:,} same-source and {self.different_pairs:,} "
                f"different-source background comparisons (cross-fitted): slopes {self.residual_coefficient:.2f} "
                f"(residual) and {self.learned_coefficient:.2f} (learned), residual weight {self.residual_weight:.2f}")


def stream_pair_scores(residual: np.ndarray, learned: np.ndarray, sources: np.ndarray, rng: np.random.Generator,
                       different_per_same: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """((pairs, 2) cosines of each stream, same-source labels): every same-source pair, sampled others."""
    first, second = np.triu_indices(len(sources), 1)
    same = sources[first] == sources[second]
    chosen = np.flatnonzero(same)
    others = np.flatnonzero(~same)
    chosen = np.concatenate([chosen, rng.choice(others, min(others.size, different_per_same * max(1, chosen.size)),
                                                replace=False)])
    a, b = first[chosen], second[chosen]
    scores = np.stack([(residual[a] * residual[b]).sum(1), (learned[a] * learned[b]).sum(1)], axis=1)
    return scores, same[chosen]


def fusion_weight(variant: "Variant", features: np.ndarray, sources: np.ndarray, embeddings: np.ndarray,
                  folds: int = 2, seed: int = 0) -> FusionFit:
    """Fit the fusion of the residual and learned cosines on the background's known sources.

    The sources are split into `folds`; each fold's comparisons are scored with the
    residual projection fitted on the other folds, so the residual stream is not
    favoured for having been whitened on the very sources it is compared on.  The
    estimator is scikit-learn's class-balanced logistic regression, the one `lir` wraps
    for its one-score calibrator and names in its registry for scores of several features.
    """
    rng = np.random.default_rng(seed)
    names = np.unique(sources)
    fold_of = dict(zip(names, rng.permutation(len(names)) % folds))
    fold = np.array([fold_of[name] for name in sources])
    alone = dataclasses.replace(variant, residual_weight=1.0, plda_map=False)  # the residual projection alone
    scores, labels = [], []
    learned = _unit_rows(embeddings)
    for k in range(folds):
        train, test = fold != k, fold == k
        backend = _fit_projection(alone, features[train], sources[train])
        s, y = stream_pair_scores(backend.project(features[test]), learned[test], sources[test], rng)
        scores.append(s)
        labels.append(y)
    x, y = np.concatenate(scores), np.concatenate(labels)
    if y.all() or not y.any():
        raise ValueError("fusion needs same-source and different-source background comparisons")
    model = LogisticRegression(class_weight="balanced", C=1e4).fit(x, y)
    return FusionFit(float(model.coef_[0, 0]), float(model.coef_[0, 1]), int(y.sum()), int((~y).sum()))


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@dataclass(frozen=True)
class Variant:
    stats: ResidualStatsConfig
    projection: str  # "pca", "pca+wccn", "pca+lda"
    dims: int
    residual_weight: float | None  # None: fitted by logistic-regression fusion (`fusion_weight`)
    kinds: tuple[str, ...] = ("photo", "synthetic")
    pca_dims: int = 300
    plda_map: bool = False  # map the joined streams to the background's PLDA geometry


_FIRST_SECOND = ResidualStatsConfig(filters=("first", "second"))
VARIANTS: dict[str, Variant] = {
    "residual, PCA-whitened 128 on photos only": Variant(_FIRST_SECOND, "pca", 128, 1.0, ("photo",)),
    "residual, PCA-whitened 128": Variant(_FIRST_SECOND, "pca", 128, 1.0),
    "residual, PCA-whitened 256": Variant(_FIRST_SECOND, "pca", 256, 1.0),
    "residual (3 filters), PCA-whitened 128": Variant(STUDY_COMPUTED, "pca", 128, 1.0),
    "residual, PCA 300 + WCCN": Variant(_FIRST_SECOND, "pca+wccn", 300, 1.0),
    "residual, PCA 300 + LDA 128": Variant(_FIRST_SECOND, "pca+lda", 128, 1.0),
    "fused 0.7 / 0.3, PCA-whitened 128": Variant(_FIRST_SECOND, "pca", 128, 0.7),
    "fused 0.5 / 0.5, PCA-whitened 128": Variant(_FIRST_SECOND, "pca", 128, 0.5),
    "fused 0.7 / 0.3, PCA 300 + LDA 128": Variant(_FIRST_SECOND, "pca+lda", 128, 0.7),
    "fused 0.5 / 0.5, PCA-whitened 256": Variant(_FIRST_SECOND, "pca", 256, 0.5),
    "fused 0.7 / 0.3, PCA-whitened 256": Variant(_FIRST_SECOND, "pca", 256, 0.7),
    "fused 0.5 / 0.5, PCA 300 + WCCN": Variant(_FIRST_SECOND, "pca+wccn", 300, 0.5),
    "fused 0.7 / 0.3, PCA 300 + WCCN": Variant(_FIRST_SECOND, "pca+wccn", 300, 0.7),
    "fused 0.5 / 0.5, PCA 300 + WCCN, PLDA-scaled": Variant(_FIRST_SECOND, "pca+wccn", 300, 0.5, plda_map=True),
    "LR-fused, PCA 300 + WCCN": Variant(_FIRST_SECOND, "pca+wccn", 300, None),
    "LR-fused, PCA 300 + WCCN, PLDA-scaled": Variant(_FIRST_SECOND, "pca+wccn", 300, None, plda_map=True),
}


def fit_backend(variant: Variant, stats: np.ndarray, sources: np.ndarray, kinds: np.ndarray,
                computed: ResidualStatsConfig = STUDY_COMPUTED, embeddings: np.ndarray | None = None) -> Backend:
    """The variant's back-end from background statistics computed under `computed`.

    `embeddings` (the background's learned-stream embeddings) are needed only by a
    variant that maps the joined streams or fits the streams' fusion.
    """
    chosen = np.isin(kinds, variant.kinds)
    features = select_statistics(stats[chosen], computed, variant.stats).astype(np.float64)
    sources = sources[chosen]
    if (variant.plda_map or variant.residual_weight is None) and embeddings is None:
        raise ValueError("this back-end variant maps or fuses the joined streams: it needs the background's "
                         "learned embeddings")
    fusion = None
    if variant.residual_weight is None:
        fusion = fusion_weight(variant, features, sources, embeddings[chosen])
    weight = fusion.residual_weight if fusion is not None else variant.residual_weight
    backend = _fit_projection(variant, features, sources, weight)
    if fusion is not None:
        backend = dataclasses.replace(backend, method=f"{backend.method}; streams weighed by {fusion.describe()}")
    if not variant.plda_map:
        return backend
    joined = backend.join(features, embeddings[chosen])
    fused_mean, fused_map = plda_scaled_map(joined, sources)
    return dataclasses.replace(backend, fused_mean=fused_mean, fused_map=fused_map)


def _fit_projection(variant: Variant, features: np.ndarray, sources: np.ndarray,
                    weight: float | None = None) -> Backend:
    """The residual projection alone (no map of the joined streams), at `weight` or the variant's."""
    weight = variant.residual_weight if weight is None else weight
    if variant.projection == "pca":
        mean, projection = pca_whitening(features, variant.dims)
        method = f"PCA-whitened on {len(features)} background images"
    else:
        mean, projection = pca_whitening(features, variant.pca_dims)
        projected = (features - mean) @ projection
        if variant.projection == "pca+wccn":
            projection = projection @ within_whitening(projected, sources)
            method = f"PCA-whitened then within-source whitened on {len(features)} background images"
        else:
            projection = projection @ lda(projected, sources, variant.dims)
            method = f"PCA then LDA on the source ids of {len(features)} background images"
    return Backend(variant.stats, mean, projection, weight, method)


def fit_variant(name: str, background) -> Backend:
    return fit_backend(VARIANTS[name], background.stats, background.sources, background.kinds,
                       embeddings=background.embeddings)


def install_backend(extractor_dir: Path, backend: Backend, variant: str, command: str) -> ModelCard:
    """Write `backend.npz` beside the weights and name it, hashed, in the sealed card.

    The fused extractor has a new id, so what the card said of the learned stream alone
    no longer describes it: its figures are kept under `learned_stream_figures` and the
    background population, embedded under the old id, is dropped until it is rebuilt
    (`build_background`, which `python -m training backend` runs next).  Over an earlier
    back-end, the card's figures describe that back-end and are dropped; the learned
    stream's stay where they were.
    """
    extractor_dir = Path(extractor_dir)
    payload = backend.to_bytes()
    (extractor_dir / BACKEND_NAME).write_bytes(payload)
    card = json.loads((extractor_dir / CARD_NAME).read_text(encoding="utf-8"))
    if card.get("backend"):
        card.pop("figures", None)
    elif "figures" in card:
        card["learned_stream_figures"] = card.pop("figures")
    card.pop("background", None)
    card["backend"] = {"file": BACKEND_NAME, "sha256": hashlib.sha256(payload).hexdigest(), "variant": variant,
                       "dimension": backend.projected_dim, "description": backend.describe(), "command": command}
    card["extractor_id"] = fused_extractor_id(card["sha256"], card["backend"]["sha256"])
    write_card(extractor_dir, card)
    return read_card(extractor_dir)
