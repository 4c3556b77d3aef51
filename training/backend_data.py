"""The back-end's background: images of many sources, none of them a real generator.

The back-end (projection and fusion, `forensics_app.core.fingerprint.backend`) learns
what varies between sources and what varies within one from images whose source is
known and that no evaluation ever uses:

- outputs of synthetic generative models (the method's own data): random-initialised
  models drawn from the extended architecture space, each laid over photographs as a
  faint pattern (as the extractor's training banks are) at several sizes, so one model
  is one source seen on different content;
- photographs (Debian's wallpaper packages, scikit-image's samples), each its own
  source, at several sizes;
- every image, of either kind, stored as a lossless file or as JPEG (once or twice) at
  a drawn quality, since analysts receive both.

Features, not images, are kept: per chunk of sources an `.npz` in the output folder, so
an interrupted run resumes where it stopped and the whole background stays a few MB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from forensics_app.core.fingerprint.residual_stats import ResidualStatsConfig, residual_statistics
from training.architectures import EXTENDED_FACTORS, sample_architectures
from forensics_app.core.decision.conditions import jpeg_round_trip
from training.data import PhotoPool, overlay_at_random, quantise
from training.synthesis import build_model


@dataclass(frozen=True)
class BackgroundRecipe:
    """How the back-end's background is rendered; stored beside the features."""

    architectures: int = 240
    seeds_per_architecture: int = 2
    images_per_model: int = 4
    sizes: tuple[int, ...] = (256, 384, 512)
    overlay_strength: tuple[float, float] = (0.02, 0.1)
    photo_variants: int = 3
    photo_long_side: tuple[int, int] = (384, 1024)
    jpeg_probability: float = 0.5
    jpeg_twice_probability: float = 0.3
    jpeg_quality: tuple[int, int] = (65, 96)
    chunk: int = 40  # sources per saved chunk
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class BackgroundImage:
    """One rendered image: its pixels, its source and how it was stored."""

    pixels: np.ndarray
    source: str  # "synthetic/<arch>-s<seed>" or "photo/<name>"
    condition: str  # "lossless" or "jpeg-<q>[-<q2>]"


def stored_as_analysts_receive(pixels: np.ndarray, recipe: BackgroundRecipe,
                               rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Lossless, or JPEG at a drawn quality (sometimes twice)."""
    if rng.random() >= recipe.jpeg_probability:
        return pixels, "lossless"
    low, high = recipe.jpeg_quality
    quality = int(rng.integers(low, high))
    pixels = jpeg_round_trip(pixels, quality)
    if rng.random() < recipe.jpeg_twice_probability:
        again = int(rng.integers(low, high))
        return jpeg_round_trip(pixels, again), f"jpeg-{quality}-{again}"
    return pixels, f"jpeg-{quality}"


def synthetic_sources(recipe: BackgroundRecipe) -> list[tuple[object, int]]:
    archs = sample_architectures(EXTENDED_FACTORS, recipe.architectures, recipe.seed + 17)
    return [(arch, 10_000 + recipe.seed * 1000 + s) for arch in archs for s in range(recipe.seeds_per_architecture)]


def synthetic_images(arch, seed: int, pool: PhotoPool, recipe: BackgroundRecipe,
                     rng: np.random.Generator) -> Iterator[BackgroundImage]:
    """One random-initialised model's outputs, each over a fresh photo crop."""
    model = build_model(arch, seed).eval()
    generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
    with torch.inference_mode():
        for _ in range(recipe.images_per_model):
            size = int(rng.choice(recipe.sizes))
            photos = pool.sample(1, size, generator)
            output = overlay_at_random(photos, model(photos), recipe.overlay_strength, generator)
            pixels = np.ascontiguousarray(quantise(output)[0].permute(1, 2, 0).numpy())
            pixels, condition = stored_as_analysts_receive(pixels, recipe, rng)
            yield BackgroundImage(pixels, f"synthetic/{arch.arch_id}-s{seed}", condition)


def photo_images(index: int, photo: np.ndarray, recipe: BackgroundRecipe,
                 rng: np.random.Generator) -> Iterator[BackgroundImage]:
    """One photograph at several sizes and encodings: one source."""
    for _ in range(recipe.photo_variants):
        long_side = int(rng.integers(*recipe.photo_long_side))
        image = Image.fromarray(photo)
        scale = long_side / max(image.size)
        if scale < 1.0:
            image = image.resize((max(16, round(image.width * scale)), max(16, round(image.height * scale))),
                                 Image.LANCZOS)
        pixels, condition = stored_as_analysts_receive(np.asarray(image), recipe, rng)
        yield BackgroundImage(pixels, f"photo/{index:04d}", condition)


def render_background(photo_folders: list[Path], out: Path, recipe: BackgroundRecipe = BackgroundRecipe(),
                      stats: ResidualStatsConfig = ResidualStatsConfig(), embed=None, log=print) -> Path:
    """Render every source's images and keep their features, chunk by chunk (resumable).

    `embed(list of pixels) -> (N, D)` adds the learned stream's embedding when given.
    Returns the folder; `load_background_features` reads it back.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {"recipe": recipe.to_dict(), "stats": stats.to_dict(), "embedded": embed is not None}
    settings_path = out / "settings.json"
    if settings_path.exists() and json.loads(settings_path.read_text()) != json.loads(json.dumps(settings)):
        raise ValueError(f"{out} holds a background rendered with other settings; choose another folder")
    settings_path.write_text(json.dumps(settings, indent=2))
    pool = PhotoPool.from_folders(photo_folders, max_side=1024, min_side=max(recipe.sizes), include_skimage=True)
    jobs: list[tuple[str, object]] = [("photo", (i, p)) for i, p in enumerate(pool.photos)]
    jobs += [("synthetic", spec) for spec in synthetic_sources(recipe)]
    chunks = range(0, len(jobs), recipe.chunk)
    for number, start in enumerate(chunks):
        path = out / f"chunk-{number:04d}.npz"
        if path.exists():
            continue
        rng = np.random.default_rng([recipe.seed, number])
        images: list[BackgroundImage] = []
        for kind, job in jobs[start : start + recipe.chunk]:
            if kind == "photo":
                images.extend(photo_images(*job, recipe, rng))
            else:
                images.extend(synthetic_images(*job, pool, recipe, rng))
        features = np.stack([residual_statistics(image.pixels, stats) for image in images])
        arrays = {"stats": features, "sources": np.array([i.source for i in images]),
                  "conditions": np.array([i.condition for i in images])}
        if embed is not None:
            arrays["embeddings"] = np.asarray(embed([i.pixels for i in images]), dtype=np.float32)
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, **arrays)
        partial.replace(path)
        log(f"background chunk {number + 1}/{len(chunks)}: {len(images)} images")
    return out


@dataclass
class BackgroundFeatures:
    stats: np.ndarray
    embeddings: np.ndarray | None
    sources: np.ndarray
    conditions: np.ndarray

    @property
    def kinds(self) -> np.ndarray:
        return np.array([s.split("/")[0] for s in self.sources])


def load_background_features(folder: Path) -> BackgroundFeatures:
    paths = sorted(Path(folder).glob("chunk-[0-9][0-9][0-9][0-9].npz"))
    if not paths:
        raise FileNotFoundError(f"no rendered background in {folder}; run 'python -m training backend' first")
    parts = [np.load(p, allow_pickle=False) for p in paths]
    embedded = all("embeddings" in p for p in parts)
    return BackgroundFeatures(
        stats=np.concatenate([p["stats"] for p in parts]),
        embeddings=np.concatenate([p["embeddings"] for p in parts]) if embedded else None,
        sources=np.concatenate([p["sources"] for p in parts]).astype(str),
        conditions=np.concatenate([p["conditions"] for p in parts]).astype(str),
    )
