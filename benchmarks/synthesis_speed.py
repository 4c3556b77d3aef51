"""Synthetic models per minute: G models stacked into one grouped network vs one at a time.

Both modes train the same architectures and seeds for the same steps on the same photo
batches (crops of scikit-image's sample photographs, random pixels where none are
available) through `training.synthesis.synthesize`, saving included, so the figures are
what a recipe would see.

    python benchmarks/synthesis_speed.py --models 16 --steps 20 --batch 8 --size 64 --threads 1

Stacking pays where one small model leaves the device idle (a GPU: `--device cuda`); on a
CPU, convolutions of one model already run near the core's peak and the stacked
activations outgrow the caches, so expect a ratio near or below 1 there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.architectures import EXTENDED_FACTORS, PAPER_FACTORS, sample_architectures  # noqa: E402
from training.data import PhotoPool, skimage_photos  # noqa: E402
from training.synthesis import synthesize  # noqa: E402

SPACES = {"paper": PAPER_FACTORS, "extended": EXTENDED_FACTORS}


def photo_batches(steps: int, batch: int, size: int, seed: int = 0) -> list[torch.Tensor]:
    """Every step's batch, made before timing so that only synthesis is measured."""
    generator = torch.Generator().manual_seed(seed)
    photos = skimage_photos()
    if not photos:
        return [torch.rand(batch, 3, size, size, generator=generator) * 2 - 1 for _ in range(steps)]
    pool = PhotoPool(photos)
    return [pool.sample(batch, size, generator) for _ in range(steps)]


def timed_synthesis(specs, batches, steps: int, batched: bool, group_size: int, device: str) -> float:
    """Seconds to synthesise `specs` into a fresh cache."""
    with tempfile.TemporaryDirectory() as cache:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        synthesize(
            specs, lambda step: batches[step], steps, Path(cache),
            batched=batched, group_size=group_size, device=device,
        )
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=16, help="models in all (default 16)")
    parser.add_argument("--architectures", type=int, default=2, help="architectures they are spread over (default 2)")
    parser.add_argument("--space", choices=sorted(SPACES), default="paper")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=8, help="photos per step")
    parser.add_argument("--size", type=int, default=64, help="photo side in pixels")
    parser.add_argument("--group-size", type=int, default=None, help="models per stack (default: one architecture's)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    archs = sample_architectures(SPACES[args.space], args.architectures, np.random.default_rng(args.seed))
    specs = [(archs[i % len(archs)], i // len(archs)) for i in range(args.models)]
    group_size = args.group_size or -(-args.models // len(archs))
    batches = photo_batches(args.steps, args.batch, args.size, args.seed)

    # first calls pay for kernel selection and allocation; neither mode should carry that
    warm_specs = [(arch, 10_000) for arch in archs]
    for batched in (True, False):
        timed_synthesis(warm_specs, batches, 1, batched, group_size, args.device)

    alone = timed_synthesis(specs, batches, args.steps, False, group_size, args.device)
    stacked = timed_synthesis(specs, batches, args.steps, True, group_size, args.device)
    figures = {
        "models": args.models,
        "architectures": [arch.arch_id for arch in archs],
        "steps": args.steps,
        "batch": args.batch,
        "size": args.size,
        "group_size": group_size,
        "threads": args.threads,
        "device": args.device,
        "one_at_a_time_models_per_minute": 60 * args.models / alone,
        "batched_models_per_minute": 60 * args.models / stacked,
        "speedup": alone / stacked,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{args.models} models over {len(archs)} architectures, {args.steps} steps of {args.batch} x "
              f"{args.size}^2 photos, {args.threads} threads, {args.device}")
        print(f"one at a time: {figures['one_at_a_time_models_per_minute']:8.1f} models/min ({alone:.1f} s)")
        print(f"batched (G={group_size}): {figures['batched_models_per_minute']:8.1f} models/min ({stacked:.1f} s)")
        print(f"speedup: {figures['speedup']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
