"""FFD of a training run's synthetic models against real generators, with the ablation.

The ablation follows the method: the variety of one factor is removed by keeping only
the run's models whose value for that factor is the space's default, and FFD is measured
again.  A factor whose removal raises FFD brings the synthetic population closer to the
real generators.  (Subsets are smaller than the whole, which adds some noise to the
covariance; the report gives every subset's size.)
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import torch

from training.architectures import EXTENDED_FACTORS, Architecture
from training.config import SETTINGS_FILE
from training.data import skimage_photos
from training.fidelity import ffd, profiles_from_folders, synthetic_profiles
from training.synthesis import read_metadata


def cached_specs(run_dir: Path) -> list[tuple[Architecture, int]]:
    cache = Path(run_dir) / "synthetic-models"
    specs = []
    for path in sorted(cache.glob("*.safetensors")):
        meta = read_metadata(path)
        specs.append((Architecture.from_dict(meta["architecture"]), int(meta["seed"])))
    if not specs:
        raise FileNotFoundError(f"no synthetic models in {cache}; run 'python -m training train' first")
    return specs


def run_overlay_strength(run_dir: Path) -> tuple[float, float] | None:
    """How the run laid its outputs over photos, from the settings it recorded (if any)."""
    path = Path(run_dir) / SETTINGS_FILE
    if not path.is_file():
        return None
    strength = json.loads(path.read_text(encoding="utf-8")).get("overlay_strength")
    return tuple(strength) if strength else None


def reference_photos(count: int = 48, size: int = 128, seed: int = 0) -> torch.Tensor:
    """Crops of scikit-image's sample photos: inputs every run can reproduce."""
    from training.data import PhotoPool

    pool = PhotoPool(skimage_photos())
    return pool.sample(count, size, torch.Generator().manual_seed(seed))


def fidelity_report(
    real_root: Path, run_dir: Path, ablate: bool = False, max_images: int = 100,
    max_models: int = 400, exclude: tuple[str, ...] = ("cnndet-real-photos",),
) -> dict:
    real = {k: v for k, v in profiles_from_folders(Path(real_root), max_images).items() if k not in exclude}
    specs = cached_specs(run_dir)
    if len(specs) > max_models:
        keep = np.random.default_rng(0).choice(len(specs), max_models, replace=False)
        specs = [specs[i] for i in sorted(keep)]
    overlay_strength = run_overlay_strength(run_dir)
    synthetic = synthetic_profiles(
        specs, Path(run_dir) / "synthetic-models", reference_photos(), overlay_strength=overlay_strength
    )
    keys = list(synthetic)
    report: dict = {"ffd": ffd(real, synthetic), "real_models": sorted(real), "synthetic_models": len(synthetic),
                    "overlay_strength": overlay_strength}
    if ablate:
        report["ablation"] = {}
        for factor in fields(Architecture):
            default = EXTENDED_FACTORS[factor.name][0]
            values = {getattr(arch, factor.name) for arch, _ in specs}
            if len(values) < 2:
                continue
            subset = {k: synthetic[k] for k, (arch, _) in zip(keys, specs) if getattr(arch, factor.name) == default}
            if len(subset) >= 2:
                report["ablation"][factor.name] = {"held_at": default, "models": len(subset), "ffd": ffd(real, subset)}
    return report
