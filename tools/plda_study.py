"""Two-covariance PLDA scoring of the fused fingerprint, against its cosine, on a labelled folder.

PLDA (Prince and Elder 2007; the two-covariance form of Garcia-Romero and Espy-Wilson
2011) models a fingerprint as a source mean plus within-source variation, x = m + y + e
with y ~ N(0, B) and e ~ N(0, W).  B and W are fitted on the rendered background only
(its source ids: synthetic models and photographs, lossless and re-encoded), never on
the folder measured.  A probe against k references of a generator is scored by the
predictive density N(x; m + B (B + W/k)^-1 (mean - m), W + B - B (B + W/k)^-1 B), whose
log ratio to N(x; m, B + W) is the LLR the decision needs; two single images the same
way with k = 1.  Reported with the protocol of `evaluate` (10 references, 5 seeds):
1:N accuracy (all, text-to-image group, GAN group), JPEG-85 probes against clean and
against re-encoded references, and the pair AUC.

    PYTHONPATH=. python tools/plda_study.py ../shared/data/dev-generators --exclude cnndet-real-photos \
        --background runs/backend-bg --cache runs/dev-streams.npz
"""

from __future__ import annotations

import json

import numpy as np

from forensics_app.core.validation.evaluation import gallery_accuracy, split_references, verification_auc
from tools.stream_study import fused_study, study_parser
from training.backend_fit import two_covariance


class PLDA:
    """Two-covariance PLDA in a PCA space of the background (`dim` components)."""

    def __init__(self, vectors: np.ndarray, sources: np.ndarray, dim: int = 200, floor: float = 1e-3) -> None:
        self.mean = vectors.mean(axis=0)
        centred = vectors - self.mean
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        self.basis = vt[:dim].T
        self.B, self.W = two_covariance(centred @ self.basis, sources, floor)

    def project(self, x: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(x) - self.mean) @ self.basis

    def _predictive(self, reference_mean: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        gain = self.B @ np.linalg.inv(self.B + self.W / k)
        return gain @ reference_mean, self.W + self.B - gain @ self.B

    def scores(self, probes: np.ndarray, galleries: list[np.ndarray]) -> np.ndarray:
        """(N, G) log predictive densities of projected probes under each projected reference set."""
        out = np.empty((len(probes), len(galleries)))
        for g, refs in enumerate(galleries):
            mu, cov = self._predictive(refs.mean(axis=0), len(refs))
            out[:, g] = _log_normal(probes, mu, cov)
        return out

    def pair_llrs(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        gain = self.B @ np.linalg.inv(self.B + self.W)
        cov = self.W + self.B - gain @ self.B
        same = _log_normal_rows(first, second @ gain.T, cov)
        different = _log_normal(first, np.zeros(first.shape[1]), self.B + self.W)
        return same - different


def _log_normal(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    return _log_normal_rows(x, np.broadcast_to(mu, x.shape), cov)


def _log_normal_rows(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    chol = np.linalg.cholesky(cov)
    solved = np.linalg.solve(chol, (x - mu).T)
    return -0.5 * (solved ** 2).sum(axis=0) - np.log(np.diag(chol)).sum()


def plda_accuracy(model: PLDA, references: np.ndarray, probes: np.ndarray, labels: np.ndarray, members: np.ndarray,
                  refs: int = 10, seeds: int = 5) -> float:
    """`gallery_accuracy` with PLDA scoring instead of the cosine with the mean."""
    zr, zp = model.project(references), model.project(probes)
    scores = []
    for seed in range(seeds):
        reference, probe = split_references(labels, refs, np.random.default_rng(seed))
        reference &= members
        probe &= members
        classes = np.unique(labels[reference])
        galleries = [zr[reference & (labels == c)] for c in classes]
        predicted = classes[model.scores(zp[probe], galleries).argmax(axis=1)]
        scores.append(float((predicted == labels[probe]).mean()))
    return float(np.mean(scores))


def plda_auc(model: PLDA, vectors: np.ndarray, labels: np.ndarray, pairs: int = 200_000, seed: int = 0) -> float:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    first, second = rng.integers(0, len(labels), pairs), rng.integers(0, len(labels), pairs)
    keep = first != second
    z = model.project(vectors)
    llr = model.pair_llrs(z[first[keep]], z[second[keep]])
    return float(roc_auc_score(labels[first[keep]] == labels[second[keep]], llr))


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--dims", default="100,200,300")
    args = parser.parse_args()
    study = fused_study(args)
    labels, clean, reencoded, group = study.labels, study.clean, study.reencoded, study.group
    everyone = np.ones(labels.size, bool)
    rows = {"cosine": {"acc": gallery_accuracy(clean, clean, labels, everyone),
                       "t2i": gallery_accuracy(clean, clean, labels, group),
                       "gan": gallery_accuracy(clean, clean, labels, ~group),
                       "jpeg_probe": gallery_accuracy(clean, reencoded, labels, everyone),
                       "jpeg_matched": gallery_accuracy(reencoded, reencoded, labels, everyone),
                       "pair_auc": verification_auc(clean, labels)}}
    print("cosine", json.dumps({k: round(v, 3) for k, v in rows["cosine"].items()}), flush=True)
    for dim in map(int, args.dims.split(",")):
        model = PLDA(study.background, study.background_sources, dim=dim)
        row = {"acc": plda_accuracy(model, clean, clean, labels, everyone),
               "t2i": plda_accuracy(model, clean, clean, labels, group),
               "gan": plda_accuracy(model, clean, clean, labels, ~group),
               "jpeg_probe": plda_accuracy(model, clean, reencoded, labels, everyone),
               "jpeg_matched": plda_accuracy(model, reencoded, reencoded, labels, everyone),
               "pair_auc": plda_auc(model, clean, labels)}
        rows[f"PLDA {dim}"] = row
        print(f"PLDA {dim}", json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
