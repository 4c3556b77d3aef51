"""How long opening a large library and reading its gallery takes.

Attribution opens the library and reads the gallery of mean fingerprints on every run,
so this is the library's cost as the analyst sees it.  The library is built through the
public API (one transaction per enrolment, as in real use) in a temporary folder; the
figure reported is the best of three cold opens plus ``gallery()``.

    python benchmarks/library_speed.py [--generators 1000] [--references 20] [--dim 128]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np

from forensics_app.core.library import Library

EXTRACTOR_ID = "0123456789ab"


def build(path: Path, generators: int, references: int, dim: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    with Library.open(path, EXTRACTOR_ID, dim) as library:
        for g in range(generators):
            vectors = rng.standard_normal((references, dim)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            refs = [
                (hashlib.sha256(f"{g}-{r}".encode()).hexdigest(), f"/evidence/gen{g:04d}/{r:02d}.png", vectors[r])
                for r in range(references)
            ]
            library.enroll(f"generator-{g:04d}", refs)


def time_open_and_gallery(path: Path, dim: int, repeats: int = 3) -> tuple[float, tuple[int, int]]:
    best = float("inf")
    shape = (0, 0)
    for _ in range(repeats):
        start = time.perf_counter()
        with Library.open(path, EXTRACTOR_ID, dim, create=False) as library:
            _, matrix = library.gallery()
        best = min(best, time.perf_counter() - start)
        shape = matrix.shape
    return best, shape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generators", type=int, default=1000)
    parser.add_argument("--references", type=int, default=20)
    parser.add_argument("--dim", type=int, default=128)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "library.sqlite"
        start = time.perf_counter()
        build(path, args.generators, args.references, args.dim)
        built = time.perf_counter() - start
        best, shape = time_open_and_gallery(path, args.dim)
        size_mb = path.stat().st_size / 1e6
    print(f"library: {args.generators} generators x {args.references} references, D={args.dim} "
          f"({size_mb:.1f} MB, built in {built:.1f} s)")
    print(f"open + gallery(): {best * 1000:.1f} ms (best of 3), gallery {shape[0]} x {shape[1]}")


if __name__ == "__main__":
    main()
