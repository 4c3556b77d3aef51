"""Frechet Frequency Distance between real and synthetic generators."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from training.architectures import ORDER_POST, ORDER_PRE, Architecture
from training.fidelity import (
    ffd,
    frechet_distance,
    gaussian,
    model_profile,
    profiles_from_folders,
    saved_image,
    synthetic_profiles,
)
from training.synthesis import synthesize

torch.set_num_threads(1)


def images(count: int, size: int = 64, smooth: bool = False, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if smooth:
        coarse = torch.rand(count, 3, size // 8, size // 8, generator=generator) * 2 - 1
        return F.interpolate(coarse, size=size, mode="bilinear", align_corners=False)
    return torch.rand(count, 3, size, size, generator=generator) * 2 - 1


def population(models: int = 12, bins: int = 33, seed: int = 0) -> np.ndarray:
    """Profiles of a made-up population: a shared shape plus per-model variation."""
    rng = np.random.default_rng(seed)
    shape = -np.linspace(0, 3, bins)
    return shape + rng.normal(scale=0.2, size=(models, bins)) + rng.normal(scale=0.5, size=(models, 1))


def test_profile_is_one_finite_value_per_radius():
    profile = model_profile(images(5, size=64))
    assert profile.shape == (33,) and np.all(np.isfinite(profile))
    assert model_profile(images(2, size=128)).shape == (65,)
    with pytest.raises(ValueError):
        model_profile(torch.zeros(0, 3, 64, 64))


def test_profile_sees_the_missing_high_frequencies_of_smooth_images():
    smooth, noisy = model_profile(images(4, smooth=True)), model_profile(images(4))
    assert smooth[-8:].mean() < noisy[-8:].mean() - 1.0


def test_profile_is_the_mean_over_images():
    batch = images(6)
    together = model_profile(batch, batch_size=4)
    assert np.allclose(together, np.mean([model_profile(batch[i : i + 1]) for i in range(6)], axis=0))


def test_frechet_distance_of_one_dimensional_gaussians():
    # (m1 - m2)^2 + (s1 - s2)^2 for standard deviations s1, s2
    distance = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[1.0]]))
    assert distance == pytest.approx(5.0)


def test_ffd_of_a_set_with_itself_is_zero():
    real = population()
    scale = np.trace(gaussian(real)[1])
    assert abs(ffd(real, real)) < 1e-6 * scale
    profiles = {f"model{i}": model_profile(images(2, seed=i)) for i in range(6)}
    assert abs(ffd(profiles, profiles)) < 1e-6 * np.trace(gaussian(profiles)[1])


def test_ffd_grows_with_the_shift():
    real = population()
    small, large = ffd(real, real + 0.1), ffd(real, real + 0.3)
    assert 0 < small < large
    # a pure shift of the mean: the distance is the squared shift, summed over the bins
    assert small == pytest.approx(real.shape[1] * 0.1**2, rel=1e-6)
    other = population(seed=1)
    assert ffd(real, other) > 0 and ffd(real, other) == pytest.approx(ffd(other, real), rel=1e-6)


def test_ffd_refuses_non_finite_profiles():
    real = population()
    broken = real.copy()
    broken[0, 0] = np.nan
    with pytest.raises(ValueError):
        ffd(real, broken)


def test_saved_image_rounds_to_eight_bits_and_clamps():
    out = saved_image(torch.tensor([[-3.0, -1.0, 0.0, 0.3, 2.0]]).view(1, 1, 1, 5).expand(1, 3, 1, 5))
    levels = (out + 1) * 127.5
    assert torch.allclose(levels, levels.round(), atol=1e-4)
    assert out.min() == -1 and out.max() == 1


def write_images(folder, sizes, fmt="PNG"):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(len(sizes))
    for index, (h, w) in enumerate(sizes):
        pixels = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index}.{fmt.lower()}", fmt)


def test_profiles_from_a_folder_of_generator_folders(tmp_path):
    write_images(tmp_path / "gen_a", [(64, 64), (40, 50), (80, 70)])  # one smaller than the crop
    write_images(tmp_path / "gen_b", [(64, 64), (64, 64)], fmt="JPEG")
    profiles = profiles_from_folders(tmp_path, max_images_per_model=2, crop=64)
    assert sorted(profiles) == ["gen_a", "gen_b"]
    assert all(p.shape == (33,) and np.all(np.isfinite(p)) for p in profiles.values())
    assert ffd(profiles, profiles) == pytest.approx(0.0, abs=1e-9)

    (tmp_path / "gen_empty").mkdir()
    with pytest.raises(ValueError, match="gen_empty"):
        profiles_from_folders(tmp_path, crop=64)
    with pytest.raises(FileNotFoundError):
        profiles_from_folders(tmp_path / "gen_empty")


def test_synthetic_profiles_of_cached_models(tmp_path):
    specs = [
        (Architecture(1, 1, "nearest", "relu", "batch", ORDER_POST), 0),
        (Architecture(2, 2, "transposed", "tanh", "none", ORDER_PRE), 1),
    ]
    synthesize(specs, lambda step: images(2, size=32, seed=step), 1, tmp_path)
    profiles = synthetic_profiles(specs, tmp_path, images(3, size=64), batch_size=2)
    assert list(profiles) == [f"{arch.arch_id}__s{seed}" for arch, seed in specs]
    assert all(p.shape == (33,) and np.all(np.isfinite(p)) for p in profiles.values())
    assert not np.allclose(*profiles.values())


def test_profiles_follow_how_the_run_rendered_its_banks(tmp_path):
    """FFD must profile the images the extractor learnt from: overlaid when the run overlaid."""
    from training.config import load_config
    from training.fidelity_report import run_overlay_strength
    from training.train import check_run_folder

    specs = [(Architecture(1, 1, "transposed", "relu", "none", ORDER_POST), 0)]
    synthesize(specs, lambda step: images(2, size=32, seed=step), 0, tmp_path / "synthetic-models")
    photos = images(3, size=64, smooth=True)
    plain = synthetic_profiles(specs, tmp_path / "synthetic-models", photos)
    faint = synthetic_profiles(specs, tmp_path / "synthetic-models", photos, overlay_strength=(0.02, 0.05))
    smooth_photos = model_profile(saved_image(photos))
    (key,) = plain
    # laid faintly over smooth photos, the model's trace is there but weaker than on its own
    assert np.abs(faint[key] - smooth_photos).sum() < np.abs(plain[key] - smooth_photos).sum()
    assert not np.allclose(faint[key], smooth_photos)

    run = tmp_path / "run"
    assert run_overlay_strength(run) is None
    check_run_folder(load_config("tiny", {"overlay_strength": [0.02, 0.05]}), run)
    assert run_overlay_strength(run) == (0.02, 0.05)
