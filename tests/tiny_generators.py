"""Tiny generative models built by the tests, so tests never depend on outside data.

Each "generator" is a fixed random upsampling network applied to random latent noise.
Its upsampling operator and kernels leave a periodic trace in the spectrum that stays
the same from image to image, which is the trace the extractor is meant to pick up;
two generators with different operators leave different traces.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

KINDS = ("nearest", "bilinear", "transposed", "shuffle")


def generate(kind: str, count: int, size: int = 128, seed: int = 0) -> list[np.ndarray]:
    """`count` RGB uint8 images of `size` x `size` from the tiny generator `kind`."""
    weights = torch.Generator().manual_seed(1000 + KINDS.index(kind))
    kernel = torch.randn(3, 3, 3, 3, generator=weights) * 0.25
    up_kernel = torch.randn(3, 3, 2, 2, generator=weights) * 0.5
    shuffle_kernel = torch.randn(12, 3, 3, 3, generator=weights) * 0.3
    noise = torch.Generator().manual_seed(seed)
    latent = torch.randn(count, 3, size // 4, size // 4, generator=noise)
    # smooth scene-like content at quarter resolution, then two x2 upsampling stages
    x = F.avg_pool2d(F.pad(latent, (1, 1, 1, 1), mode="reflect"), 3, 1)
    for _ in range(2):
        if kind in ("nearest", "bilinear"):
            x = F.interpolate(x, scale_factor=2, mode=kind)
        elif kind == "transposed":
            x = F.conv_transpose2d(x, up_kernel, stride=2)
        else:
            x = F.pixel_shuffle(F.conv2d(x, shuffle_kernel, padding=1), 2)
        x = torch.tanh(F.conv2d(x, kernel, padding=1) + x)
    pixels = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return list(pixels.permute(0, 2, 3, 1).numpy())


def save_pngs(images: list[np.ndarray], folder, prefix: str = "img") -> list:
    from pathlib import Path

    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, pixels in enumerate(images):
        path = folder / f"{prefix}_{index:03d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths
