"""Synthetic models per minute: G models stacked into one grouped network vs one at a time.

Both modes train the same architectures and seeds for the same steps on the same photo
batches (crops of scikit-image's sample photographs, random pixels where none are
available) through `training.synthesis.synthesize`, saving included, so the figures are
what a recipe would see.

    python benchmarks/synthesis_speed.py --models 16 --steps 20 --batch 8 --size 64 --threads 1

Stacking pays where one small model leaves the device idle (a GPU: `--device cuda`); on a
CPU, convolutions of one model already run near the core's peak and the stacked
activations outgrow the caches, so expect a ratio near or below 1 there.  To show how
much room there is at all, the benchmark counts the floating-point operations of the
training steps (torch's FLOP counter) and measures the processor's peak on a dense
float32 matrix product: no batching can beat one-at-a-time by more than peak / achieved.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode


from training.architectures import EXTENDED_FACTORS, PAPER_FACTORS, sample_architectures
from training.data import PhotoPool, skimage_photos
from training.synthesis import build_model, stack_models, synthesize, train_stack

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


def training_flops(specs, batches, steps: int) -> float:
    """Floating-point operations of the convolutions in training every model for `steps`.

    torch's counter sees convolutions and matrix products only, not the element-wise
    work, so the ceiling derived from it is an upper bound.  Counted on one model per
    architecture and scaled by how many models share it; stacking adds no arithmetic.
    """
    per_arch = {}
    for arch, _ in specs:
        if arch not in per_arch:
            with FlopCounterMode(display=False) as counter:
                train_stack(stack_models([build_model(arch, 0)]), lambda step: batches[0], 1)
            per_arch[arch] = counter.get_total_flops()
    return float(sum(per_arch[arch] for arch, _ in specs) * steps)


def peak_flops_per_second(device: str, size: int = 512, repeats: int = 20) -> float:
    """The processor's float32 rate on a dense matrix product: the best a convolution can hope for."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    for _ in range(3):
        a @ b
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - started)


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
    flops = training_flops(specs, batches, args.steps)
    peak = peak_flops_per_second(args.device)
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
        "gflop": flops / 1e9,
        "peak_gflop_per_s": peak / 1e9,
        "one_at_a_time_gflop_per_s": flops / alone / 1e9,
        "batched_gflop_per_s": flops / stacked / 1e9,
        "speedup_ceiling": peak * alone / flops,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{args.models} models over {len(archs)} architectures, {args.steps} steps of {args.batch} x "
              f"{args.size}^2 photos, {args.threads} threads, {args.device}")
        print(f"one at a time: {figures['one_at_a_time_models_per_minute']:8.1f} models/min ({alone:.1f} s)")
        print(f"batched (G={group_size}): {figures['batched_models_per_minute']:8.1f} models/min ({stacked:.1f} s)")
        print(f"speedup: {figures['speedup']:.2f}x")
        print(f"arithmetic: {figures['gflop']:.0f} GFLOP; one at a time {figures['one_at_a_time_gflop_per_s']:.0f} GFLOP/s, "
              f"batched {figures['batched_gflop_per_s']:.0f} GFLOP/s, peak (dense matmul) {figures['peak_gflop_per_s']:.0f} GFLOP/s")
        print(f"the most any batching could gain here: {figures['speedup_ceiling']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
