"""Frechet Frequency Distance (FFD): how well synthetic generators cover real ones.

Each generator, real or synthetic, is summarised by one vector: the azimuthally averaged
spectrum of the noise residual of its images, averaged over ~100 images.  A Gaussian is fit
to the real generators' vectors and one to the synthetic generators'; FFD is the Frechet
distance between the two.  A lower FFD means the synthetic population's fingerprints look
more like real ones; removing a factor of the architecture space (see
`architectures.ablate`) and watching FFD rise measures what that factor contributes.

The residual and spectrum come from `forensics_app.core.fingerprint.preprocess`, the very
functions the extractor sees, so FFD measures the same trace the extractor learns from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import scipy.linalg
import torch

from forensics_app.core.evidence import iter_image_files, open_evidence
from forensics_app.core.fingerprint.preprocess import (
    PreprocessConfig,
    azimuthal_profile,
    crop_grid,
    log_spectrum,
    noise_residual,
    to_float,
)
from training.architectures import Architecture
from training.data import overlay_at_random, quantise
from training.synthesis import load_model, model_path

Profiles = np.ndarray | Mapping[str, np.ndarray]


# --- profiles ----------------------------------------------------------------------


def model_profile(images: torch.Tensor, batch_size: int = 64) -> np.ndarray:
    """One generator's 1-D spectral profile from its images (N, 3, H, W) in [-1, 1].

    Per image: noise residual, centred per-channel log-magnitude spectrum (the
    extractor's own `log_spectrum`; the log of the magnitude is half the log of the
    power, a constant factor that scales FFD by a constant and changes no comparison),
    averaged over channels.  The azimuthal average is linear, so averaging the spectra
    over the images first and integrating once gives the mean of the per-image profiles.
    """
    if images.ndim != 4 or images.shape[1] != 3 or images.shape[0] == 0:
        raise ValueError(f"expected a non-empty (N, 3, H, W) batch, got shape {tuple(images.shape)}")
    total = torch.zeros(images.shape[-2:], dtype=torch.float64)
    with torch.inference_mode():
        for start in range(0, images.shape[0], batch_size):
            chunk = images[start : start + batch_size].float()
            total += log_spectrum(noise_residual(chunk)).double().mean(dim=1).sum(dim=0)
    return azimuthal_profile((total / images.shape[0]).numpy())


def saved_image(outputs: torch.Tensor) -> torch.Tensor:
    """A model's float output as its saved 8-bit image would read back, in [-1, 1].

    Real generators' images reach us through this rounding; synthetic outputs must too,
    or their spectra would keep detail no saved image can carry.  The rounding is
    `training.data.quantise`, the one the extractor's training images go through.
    """
    return to_float(quantise(outputs))


def load_crop(path: Path, crop: int = 128) -> torch.Tensor:
    """One image file -> its centre crop (1, 3, crop, crop) in [-1, 1].

    Decoded by the product's own intake (`evidence.open_evidence`: RGB, decode limits,
    specific errors), so real generators' images are read exactly as an analyst's are;
    small images are mirror-padded, never resampled (`preprocess.crop_grid`).
    """
    pixels = open_evidence(path).pixels
    crops, _ = crop_grid(pixels, PreprocessConfig(crop_size=crop, grid=1))
    return to_float(torch.from_numpy(crops))


def profiles_from_folders(root: Path, max_images_per_model: int = 100, crop: int = 128) -> dict[str, np.ndarray]:
    """Profiles of real generators: `root` holds one folder of images per generator.

    The first `max_images_per_model` images of each folder (in the product's walking
    order: sorted, recursive, hidden files skipped) are used.  A folder without images is
    an error rather than a silently missing generator.
    """
    root = Path(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not folders:
        raise FileNotFoundError(f"{root} holds no generator folders; expected one folder of images per generator")
    profiles = {}
    for folder in folders:
        files = iter_image_files([folder])[:max_images_per_model]
        if not files:
            raise ValueError(f"generator folder {folder} holds no images; add some or remove the folder")
        profiles[folder.name] = model_profile(torch.cat([load_crop(path, crop) for path in files]))
    return profiles


def synthetic_profiles(
    specs: Iterable[tuple[Architecture, int]],
    cache_dir: Path,
    photos: torch.Tensor,
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    overlay_strength: tuple[float, float] | None = None,
) -> dict[str, np.ndarray]:
    """Profiles of cached synthetic generators, each run over the same `photos`.

    Keyed by the model's file stem (`<arch_id>__s<seed>`).  Outputs are quantised as a
    real generator's saved images would be, after being laid over their photos when the
    run rendered its banks that way (`overlay_strength`), so FFD measures the images the
    extractor actually learnt from.
    """
    specs = list(specs)
    profiles = {}
    for done, (arch, seed) in enumerate(specs, start=1):
        model = load_model(arch, seed, cache_dir)
        with torch.inference_mode():
            outputs = torch.cat([model(photos[i : i + batch_size]) for i in range(0, len(photos), batch_size)])
            if overlay_strength is not None:
                outputs = overlay_at_random(photos, outputs, overlay_strength, torch.Generator().manual_seed(done))
        profiles[model_path(cache_dir, arch, seed).stem] = model_profile(saved_image(outputs), batch_size)
        if progress is not None:
            progress(done, len(specs))
    return profiles


# --- distance ----------------------------------------------------------------------


def as_matrix(profiles: Profiles) -> np.ndarray:
    """(M, D) float64 from an array or from a name -> profile mapping."""
    if isinstance(profiles, Mapping):
        profiles = np.stack(list(profiles.values())) if profiles else np.empty((0, 0))
    matrix = np.atleast_2d(np.asarray(profiles, dtype=np.float64))
    if matrix.shape[0] == 0:
        raise ValueError("no profiles")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("profiles contain NaN or infinite values")
    return matrix


def gaussian(profiles: Profiles) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of M profiles; a single profile has zero spread."""
    matrix = as_matrix(profiles)
    mu = matrix.mean(axis=0)
    if matrix.shape[0] < 2:
        return mu, np.zeros((matrix.shape[1], matrix.shape[1]))
    return mu, np.cov(matrix, rowvar=False)


def _psd_eigenvalues(values: np.ndarray) -> np.ndarray:
    """Eigenvalues of a covariance with rounding noise removed.

    Below n * eps of the largest, an eigenvalue is indistinguishable from zero; left as it
    is, its square root (1e-8 for 1e-16) would add up over the many null directions of
    a covariance of few models.
    """
    tolerance = np.abs(values).max(initial=0.0) * values.size * np.finfo(np.float64).eps
    return np.where(values > tolerance, values, 0.0)


def _psd_sqrt(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a covariance."""
    values, vectors = scipy.linalg.eigh((sigma + sigma.T) / 2)
    return (vectors * np.sqrt(_psd_eigenvalues(values))) @ vectors.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)).

    tr((S1 S2)^(1/2)) is computed as the sum of the square roots of the eigenvalues of the
    symmetric S1^(1/2) S2 S1^(1/2), which has the same spectrum.  With fewer generators
    than profile bins the covariances are singular, where `scipy.linalg.sqrtm` of the
    non-symmetric product returns complex noise; the symmetric route stays real and
    exact (FFD of a set with itself is 0 to rounding).
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shape mismatch: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}")
    root1 = _psd_sqrt(sigma1)
    middle = root1 @ sigma2 @ root1
    cross = np.sqrt(_psd_eigenvalues(scipy.linalg.eigvalsh((middle + middle.T) / 2))).sum()
    diff = mu1 - mu2
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * cross
    return float(max(distance, 0.0))


def ffd(real_profiles: Profiles, synthetic_profiles: Profiles) -> float:
    """Frechet Frequency Distance between the real and the synthetic generators."""
    return frechet_distance(*gaussian(real_profiles), *gaussian(synthetic_profiles))
