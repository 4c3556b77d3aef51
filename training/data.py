"""Real photographs for the synthetic models, and what happens to images after them.

Any folders of photographs work.  The bundled weights use photographs that anyone can
fetch from the package registries (see `training/photos.py` and the README):
Debian's wallpaper packages and scikit-image's sample photos.

Photos are decoded once, shrunk so the short side is at most `max_side` (a wallpaper
at 5,000 px would otherwise cost seconds per crop) and kept in memory as uint8.  Crops
are drawn with random scale and flips, so a hundred photos give endless variety of
content, which is what the synthetic models must reconstruct.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from forensics_app.core.decision.conditions import jpeg_round_trip
from forensics_app.core.evidence import iter_image_files


def _shrink(image: Image.Image, max_side: int) -> np.ndarray:
    image = image.convert("RGB")
    short = min(image.size)
    if short > max_side:
        scale = max_side / short
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    return np.asarray(image, dtype=np.uint8)


def skimage_photos() -> list[np.ndarray]:
    """scikit-image's bundled colour sample photographs (no download needed)."""
    from skimage import data

    names = ("astronaut", "chelsea", "coffee", "rocket", "retina", "hubble_deep_field", "immunohistochemistry")
    photos = []
    for name in names:
        try:
            pixels = getattr(data, name)()
        except Exception:  # a sample that needs a download on this install is skipped
            continue
        if pixels.ndim == 3 and pixels.shape[2] >= 3:
            photos.append(np.ascontiguousarray(pixels[..., :3].astype(np.uint8)))
    return photos


@dataclass
class PhotoPool:
    """Photos in memory, from which training crops are drawn."""

    photos: list[np.ndarray]

    @classmethod
    def from_folders(
        cls, folders: Sequence[str | Path], max_side: int = 512, min_side: int = 160, include_skimage: bool = False
    ) -> "PhotoPool":
        missing = [str(f) for f in folders if not Path(f).expanduser().is_dir()]
        if missing:
            raise FileNotFoundError(
                f"photo folder(s) not found: {', '.join(missing)}; fetch the recipe's photographs with "
                "'python -m training photos --out runs/photos' or name other folders with --set photo_folders=[...]"
            )
        photos: list[np.ndarray] = skimage_photos() if include_skimage else []
        for path in iter_image_files([Path(f).expanduser() for f in folders]):
            try:
                with Image.open(path) as image:
                    pixels = _shrink(image, max_side)
            except Exception:  # an unreadable photo is skipped; it is training data, not evidence
                continue
            if min(pixels.shape[:2]) >= min_side:
                photos.append(pixels)
        if not photos:
            raise ValueError(f"no usable photographs (short side >= {min_side} px) in {list(map(str, folders))}")
        return cls(photos)

    def __len__(self) -> int:
        return len(self.photos)

    def sample(self, count: int, size: int, generator: torch.Generator, max_scale: float = 2.0) -> torch.Tensor:
        """`count` random crops (count, 3, size, size) in [-1, 1].

        A crop of side between size and min(max_scale * size, photo side) is cut and
        resized to `size`, so content appears at several scales; half are mirrored.
        """
        out = torch.empty(count, 3, size, size)
        for index in range(count):
            photo = self.photos[int(torch.randint(len(self.photos), (1,), generator=generator))]
            h, w = photo.shape[:2]
            largest = int(min(h, w, max_scale * size))
            # a photo smaller than the crop (scikit-image's samples are 512 px) is cut whole and enlarged
            side = largest if largest <= size else int(torch.randint(size, largest + 1, (1,), generator=generator))
            y = int(torch.randint(h - side + 1, (1,), generator=generator))
            x = int(torch.randint(w - side + 1, (1,), generator=generator))
            crop = torch.tensor(photo[y : y + side, x : x + side]).permute(2, 0, 1).float()[None]
            if side != size:
                crop = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
            if bool(torch.randint(2, (1,), generator=generator)):
                crop = crop.flip(-1)
            out[index] = crop[0] / 127.5 - 1.0
        return out.clamp_(-1, 1)


def quantise(images: torch.Tensor) -> torch.Tensor:
    """A generator's float output as it would be saved: clamp to [-1, 1], 8-bit RGB.

    (B, 3, H, W) float -> (B, 3, H, W) uint8.  Every generator's image reaches an
    analyst through this rounding, so the extractor must see it too.
    """
    return ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


FLAT_STD = 1e-5  # [-1, 1] units; a grey level is 2 / 255


def overlay(photos: torch.Tensor, output: torch.Tensor, strength: torch.Tensor) -> torch.Tensor:
    """The photo with the model's output laid over it as a faint pattern of given std.

    An untrained synthetic model rarely outputs anything like an image (often a nearly
    flat field, whose trace then drowns in 8-bit rounding), while a real generator's
    trace sits under natural content.  Standardising the output per image and channel and
    adding it at a few grey levels keeps every model's pattern and puts it where the
    extractor will meet it: beneath a photograph's own residual.
    """
    centred = output - output.mean(dim=(-2, -1), keepdim=True)
    # below FLAT_STD an output is constant but for float rounding, which must not be blown up
    pattern = centred / centred.std(dim=(-2, -1), keepdim=True).clamp_min(FLAT_STD)
    return photos + strength * pattern



def overlay_at_random(
    photos: torch.Tensor, output: torch.Tensor, strength_range: tuple[float, float], generator: torch.Generator
) -> torch.Tensor:
    """`overlay` at a strength drawn per image, uniformly from `strength_range`.

    Drawn on the CPU from `generator`, whatever the device, so banks and the fidelity
    profiles that mirror them are the same on every machine.
    """
    strength = torch.empty(len(photos), 1, 1, 1).uniform_(*strength_range, generator=generator)
    return overlay(photos, output, strength.to(photos.device))

@dataclass(frozen=True)
class PostProcess:
    """What happens to evidence after the generator: resizing and recompression.

    Each image is rescaled by a factor drawn from `resize_scale` with probability
    `resize_probability` (bilinear or bicubic, as editors and platforms do), then
    JPEG-compressed with probability `jpeg_probability` at a quality drawn from
    `jpeg_quality` (and, with `jpeg_again_probability`, once more at a fresh quality),
    and finally cut to `out_size` at a random position (so crops fall
    anywhere on the JPEG block grid, as the analysis crops of real evidence do).  Images
    rendered larger than `out_size` leave room for the rescaling; with the defaults only
    the crop happens.
    """

    out_size: int = 128
    jpeg_probability: float = 0.0
    jpeg_quality: tuple[int, int] = (65, 100)
    resize_probability: float = 0.0
    resize_scale: tuple[float, float] = (0.75, 1.5)
    # of the JPEG-compressed images, the share compressed once more at a new quality
    # (saved by the generator's site, then again by a platform)
    jpeg_again_probability: float = 0.0

    def __call__(self, images: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """(B, 3, H, W) uint8 -> (B, 3, out_size, out_size) uint8."""
        out = torch.empty(images.shape[0], 3, self.out_size, self.out_size, dtype=torch.uint8)
        for index in range(images.shape[0]):
            pixels = images[index].permute(1, 2, 0).numpy()
            if rng.random() < self.resize_probability:
                pixels = _rescale(pixels, rng.uniform(*self.resize_scale), self.out_size, rng)
            if rng.random() < self.jpeg_probability:
                pixels = jpeg_round_trip(pixels, int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1)))
                # drawn only when asked for, so recipes without it keep their random stream
                if self.jpeg_again_probability > 0 and rng.random() < self.jpeg_again_probability:
                    pixels = jpeg_round_trip(pixels, int(rng.integers(self.jpeg_quality[0], self.jpeg_quality[1] + 1)))
            out[index] = torch.from_numpy(_random_crop(pixels, self.out_size, rng)).permute(2, 0, 1)
        return out


def _random_crop(pixels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    h, w = pixels.shape[:2]
    if h < size or w < size:
        raise ValueError(f"a {w} x {h} image cannot give a {size} px crop; render larger images")
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    return np.array(pixels[y : y + size, x : x + size], copy=True)


def _rescale(pixels: np.ndarray, scale: float, min_side: int, rng: np.random.Generator) -> np.ndarray:
    """Resize by `scale`, never below `min_side` (the scale is raised to fit)."""
    h, w = pixels.shape[:2]
    scale = max(scale, min_side / min(h, w))
    method = Image.BICUBIC if rng.random() < 0.5 else Image.BILINEAR
    size = (max(min_side, round(w * scale)), max(min_side, round(h * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, method))


def photo_folders_exist(folders: Iterable[str | Path]) -> list[Path]:
    """The folders that exist, so a recipe can name optional sources."""
    return [Path(f) for f in folders if Path(f).is_dir()]
