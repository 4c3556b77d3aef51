"""Write a folder of generated PNGs for the end-to-end intake benchmark.

    python benchmarks/make_folder.py --images 5000 --size 256 --out /tmp/bench-5000
    OMP_NUM_THREADS=1 /usr/bin/time -v python -m forensics_app cluster /tmp/bench-5000 --device cpu --json > /dev/null

The images come from the tiny generators the tests use (every kind, equal shares), so the
folder has real structure for ``cluster`` to find.  Large sizes are rendered at 512 px and
enlarged (``--format jpeg`` keeps 8,000 px images to a few MB each):

    python benchmarks/make_folder.py --images 20 --size 8000 --format jpeg --out /tmp/bench-8k

Attribution of such folders against a library of three generators of ten references
(2,000 images of 128 px; 20 of 8,000 x 8,000, JPEG), on two cores:

    OMP_NUM_THREADS=2 /usr/bin/time -v forensics-app attribute /tmp/bench-2000 --library lib.sqlite --json  Peak memory and time are read from
``/usr/bin/time -v``; tests never time anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path


from forensics_app.testing.tiny_generators import KINDS, generate, save_pngs


def _save_large(images, size: int, fmt: str, folder: Path, prefix: str) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for index, pixels in enumerate(images):
        image = Image.fromarray(pixels).resize((size, size), Image.BICUBIC)
        suffix = "jpg" if fmt == "jpeg" else "png"
        image.save(folder / f"{prefix}_{index:03d}.{suffix}", "JPEG" if fmt == "jpeg" else "PNG", quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=["png", "jpeg"], default="png")
    args = parser.parse_args()
    per_kind, batch = -(-args.images // len(KINDS)), 100
    written = 0
    for number, kind in enumerate(KINDS):
        count = min(per_kind, args.images - written)
        for start in range(0, count, batch):
            images = generate(kind, min(batch, count - start), size=min(args.size, 512), seed=number * 100_000 + start)
            if args.size > 512 or args.format == "jpeg":
                _save_large(images, args.size, args.format, args.out / kind, f"{kind}_{start:05d}")
            else:
                save_pngs(images, args.out / kind, f"{kind}_{start:05d}")
        written += count
    print(f"{written} images of {args.size} x {args.size} in {args.out}")


if __name__ == "__main__":
    main()
