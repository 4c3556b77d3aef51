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


def _weights(kind: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The generator's fixed kernels: the same for every image it makes, hence its trace."""
    weights = torch.Generator().manual_seed(1000 + KINDS.index(kind))
    kernel = torch.randn(3, 3, 3, 3, generator=weights) * 0.25
    up_kernel = torch.randn(3, 3, 2, 2, generator=weights) * 0.5
    shuffle_kernel = torch.randn(12, 3, 3, 3, generator=weights) * 0.3
    return kernel, up_kernel, shuffle_kernel


def _upsample(kind: str, x: torch.Tensor) -> np.ndarray:
    """Two x2 upsampling stages of `kind` on quarter-resolution content in [-1, 1]; uint8 NHWC out."""
    kernel, up_kernel, shuffle_kernel = _weights(kind)
    for _ in range(2):
        if kind in ("nearest", "bilinear"):
            x = F.interpolate(x, scale_factor=2, mode=kind)
        elif kind == "transposed":
            x = F.conv_transpose2d(x, up_kernel, stride=2)
        else:
            x = F.pixel_shuffle(F.conv2d(x, shuffle_kernel, padding=1), 2)
        x = torch.tanh(F.conv2d(x, kernel, padding=1) + x)
    pixels = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).numpy()


def generate(kind: str, count: int, size: int = 128, seed: int = 0) -> list[np.ndarray]:
    """`count` RGB uint8 images of `size` x `size` from the tiny generator `kind`."""
    noise = torch.Generator().manual_seed(seed)
    latent = torch.randn(count, 3, size // 4, size // 4, generator=noise)
    # smooth scene-like content at quarter resolution, then two x2 upsampling stages
    x = F.avg_pool2d(F.pad(latent, (1, 1, 1, 1), mode="reflect"), 3, 1)
    return list(_upsample(kind, x))


def render_photos(kind: str, photos: list[np.ndarray], size: int = 256) -> list[np.ndarray]:
    """Photographs (RGB uint8, any size) remade by the tiny generator `kind`: each is cut to a
    centred square, shrunk to a quarter of `size` and upsampled by the generator's two stages,
    so the image looks like its photograph and carries the generator's trace."""
    from PIL import Image

    quarter = []
    for photo in photos:
        image = Image.fromarray(np.asarray(photo, dtype=np.uint8)).convert("RGB")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        small = image.crop((left, top, left + side, top + side)).resize((size // 4, size // 4), Image.LANCZOS)
        quarter.append(np.asarray(small, dtype=np.float32) / 127.5 - 1.0)
    x = torch.from_numpy(np.stack(quarter)).permute(0, 3, 1, 2).contiguous()
    return list(_upsample(kind, x))


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
