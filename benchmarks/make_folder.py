"""Write a folder of generated PNGs for the end-to-end intake benchmark.

    python benchmarks/make_folder.py --images 5000 --size 256 --out /tmp/bench-5000
    OMP_NUM_THREADS=1 /usr/bin/time -v python -m forensics_app cluster /tmp/bench-5000 --device cpu --json > /dev/null

The images come from the tiny generators the tests use (every kind, equal shares), so the
folder has real structure for ``cluster`` to find.  Peak memory and time are read from
``/usr/bin/time -v``; tests never time anything.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.tiny_generators import KINDS, generate, save_pngs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    per_kind, batch = -(-args.images // len(KINDS)), 100
    written = 0
    for number, kind in enumerate(KINDS):
        count = min(per_kind, args.images - written)
        for start in range(0, count, batch):
            images = generate(kind, min(batch, count - start), size=args.size, seed=number * 100_000 + start)
            save_pngs(images, args.out / kind, f"{kind}_{start:05d}")
        written += count
    print(f"{written} images of {args.size} x {args.size} in {args.out}")


if __name__ == "__main__":
    main()
