"""Speed of ranking, clustering and the map, after embedding.

    python benchmarks/analysis_speed.py --images 10000 --generators 1000 --map-images 5000

Targets: ranking 10,000 images against 1,000 enrolled generators in under 1 s; t-SNE and
clustering of 5,000 images in under 60 s (2-core CPU).  Embeddings are synthetic unit
vectors around one centre per source, the shape real fingerprints have.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


from forensics_app.core.decision.grouping import cluster
from forensics_app.core.decision.map import tsne_map
from forensics_app.core.decision.attribution import attribute, build_policy, rank_indices, similarity_matrix
from forensics_app.core.validation.evaluation import normalise


def sources(count: int, sources_: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = normalise(rng.normal(size=(sources_, dim)))
    labels = rng.integers(0, sources_, count)
    return normalise(centres[labels] + 0.5 * rng.normal(size=(count, dim)) / np.sqrt(dim))


def timed(label: str, function) -> float:
    started = time.perf_counter()
    function()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.3f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--generators", type=int, default=1_000)
    parser.add_argument("--map-images", type=int, default=5_000)
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args()
    embeddings = sources(args.images, args.generators, args.dim)
    gallery = sources(args.generators, args.generators, args.dim, seed=1)
    names = [f"generator {i}" for i in range(args.generators)]
    # the policy is calibrated as a library's would be: on ten references of each of some generators
    calibrating = min(args.generators, 20)
    references = {names[i]: sources(10, 1, args.dim, seed=100 + i) for i in range(calibrating)}
    policy = build_policy(references, None)
    timed(f"rank {args.images} x {args.generators} (similarities + full ranking)",
          lambda: rank_indices(similarity_matrix(embeddings, gallery)))
    timed(f"rank {args.images} x {args.generators} (top 10)",
          lambda: rank_indices(similarity_matrix(embeddings, gallery), top=10))
    timed(f"attribute {args.images} x {args.generators} (top 10 as result objects)",
          lambda: attribute(embeddings, names, gallery, policy, top=10))
    subset = sources(args.map_images, 20, args.dim, seed=2)
    timed(f"cluster {args.map_images}", lambda: cluster(subset, 0.5))
    timed(f"t-SNE {args.map_images}", lambda: tsne_map(subset))


if __name__ == "__main__":
    main()
