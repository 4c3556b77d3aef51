"""The one definition of what the extractor sees.

Inference, training and the display views all call these functions, so a change here
changes every one of them together.  The pipeline is:

    RGB uint8 pixels
      -> crops (3 x 3 grid of 128 px, or one centre crop; small images padded)
      -> float in [-1, 1]
      -> noise residual  r = x - median3x3(x)   (removes scene content, keeps the
                                                  high-frequency trace of the generator)
      -> per-channel log-magnitude of the 2-D DFT, centred (half plane: the
         spectrum of a real image is point-symmetric)
      -> standardised per crop (zero mean, unit variance), the network input.

Phase is discarded, so the input does not depend on where a crop sits in the image;
per-crop standardisation removes global brightness and contrast of the residual, which
say more about the scene and the JPEG quality than about the generator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

LOG_EPS = 1e-4
REPRESENTATIONS = ("spectrum", "residual")


@dataclass(frozen=True)
class PreprocessConfig:
    """Parameters of the fingerprint input; stored in the model card with the weights."""

    crop_size: int = 128
    grid: int = 3  # 3 -> a 3 x 3 grid of crops (the method's protocol); 1 -> centre crop
    # what the network sees of the residual: "spectrum" (its log-magnitude DFT) or
    # "residual" (the residual itself, keeping the phase the spectrum discards)
    representation: str = "spectrum"

    def __post_init__(self) -> None:
        if self.representation not in REPRESENTATIONS:
            raise ValueError(f"representation must be one of {REPRESENTATIONS}, got {self.representation!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PreprocessConfig":
        return cls(**{k: data[k] for k in ("crop_size", "grid", "representation") if k in data})

    @property
    def crops_per_image(self) -> int:
        return self.grid * self.grid


def pad_to_crop(pixels: np.ndarray, crop_size: int) -> tuple[np.ndarray, bool]:
    """Pad an image smaller than a crop by mirror reflection (numpy 'symmetric').

    Mirroring keeps the residual free of the hard edges that zero or wrap padding would
    add (each of which puts a bright cross into the spectrum).  Images are never
    upscaled: resampling would overwrite the very artefacts being measured.
    """
    h, w = pixels.shape[:2]
    pad_h, pad_w = max(0, crop_size - h), max(0, crop_size - w)
    if not pad_h and not pad_w:
        return pixels, False
    padding = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
    return np.pad(pixels, padding, mode="symmetric"), True


def crop_positions(length: int, crop_size: int, grid: int) -> list[int]:
    """Evenly spaced crop starts along one axis; the centre when grid is 1."""
    if grid == 1:
        return [(length - crop_size) // 2]
    return [int(round(v)) for v in np.linspace(0, length - crop_size, grid)]


def crop_grid(pixels: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> tuple[np.ndarray, bool]:
    """Cut the crops of one H x W x 3 uint8 image: (N, crop, crop, 3) and whether padded.

    Crops overlap when the image is smaller than grid * crop; that is the method's
    protocol and keeps every image at the same number of crops.
    """
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"expected H x W x 3 pixels, got shape {pixels.shape}")
    padded_pixels, padded = pad_to_crop(pixels, config.crop_size)
    h, w = padded_pixels.shape[:2]
    size = config.crop_size
    crops = [
        padded_pixels[y : y + size, x : x + size]
        for y in crop_positions(h, size, config.grid)
        for x in crop_positions(w, size, config.grid)
    ]
    return np.ascontiguousarray(np.stack(crops)), padded


def to_float(crops: torch.Tensor) -> torch.Tensor:
    """uint8 (B, H, W, 3) or (B, 3, H, W) -> float32 (B, 3, H, W) in [-1, 1]."""
    if crops.shape[-1] == 3 and crops.shape[1] != 3:
        crops = crops.permute(0, 3, 1, 2)
    return crops.float().div_(127.5).sub_(1.0)


# Compare-exchange pairs of a 19-step sorting network that leaves the median of nine
# values in position 4 (the classic optimal median-of-9 network).  On whole shifted
# images this is several times faster than sorting every 3 x 3 window.
_MEDIAN9_NETWORK = (
    (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
    (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
)


def _reflect_pad1(x: torch.Tensor) -> torch.Tensor:
    """Pad one pixel on each side by reflection; works for every dtype, uint8 included."""
    x = torch.cat([x[..., 1:2, :], x, x[..., -2:-1, :]], dim=-2)
    return torch.cat([x[..., 1:2], x, x[..., -2:-1]], dim=-1)


def median3x3(x: torch.Tensor, chunk: int = 16) -> torch.Tensor:
    """Per-channel 3 x 3 median with reflected borders, for a (B, C, H, W) batch.

    Any dtype; on uint8 it is exact and four times lighter on memory than on floats
    (the median commutes with the map to [-1, 1]).  Chunks of a few crops keep the nine
    shifted views in cache, which matters more than anything else here.
    """
    if x.shape[0] > chunk:
        return torch.cat([median3x3(part, chunk) for part in x.split(chunk)])
    h, w = x.shape[-2:]
    padded = _reflect_pad1(x)
    values = [padded[..., dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)]
    for low, high in _MEDIAN9_NETWORK:
        values[low], values[high] = torch.minimum(values[low], values[high]), torch.maximum(values[low], values[high])
    return values[4]


def noise_residual(x: torch.Tensor) -> torch.Tensor:
    """What the median filter cannot explain: the generator's high-frequency trace.

    Takes uint8 pixels (B, 3, H, W) or (B, H, W, 3), or floats in [-1, 1]; returns the
    residual in the [-1, 1] scale.
    """
    if x.dtype == torch.uint8:
        if x.shape[-1] == 3 and x.shape[1] != 3:
            x = x.permute(0, 3, 1, 2)
        return (x.float() - median3x3(x.contiguous()).float()).div_(127.5)
    return x - median3x3(x)


def log_spectrum(residual: torch.Tensor, half: bool = False) -> torch.Tensor:
    """Centred per-channel log-magnitude of the 2-D DFT of a (B, C, H, W) batch.

    The spectrum of a real image is point-symmetric, so `half=True` keeps only the
    non-negative horizontal frequencies (B, C, H, W // 2 + 1): the same information at
    half the cost, which is what the network sees.  Display uses the full spectrum.
    """
    residual = residual.float()
    if half:
        magnitude = torch.fft.rfft2(residual, norm="ortho").abs()
        return torch.fft.fftshift(torch.log(magnitude + LOG_EPS), dim=-2)
    magnitude = torch.fft.fft2(residual, norm="ortho").abs()
    return torch.fft.fftshift(torch.log(magnitude + LOG_EPS), dim=(-2, -1))


def standardise(x: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit variance per sample over all channels and frequencies."""
    flat = x.flatten(1)
    mean = flat.mean(dim=1).view(-1, 1, 1, 1)
    std = flat.std(dim=1).clamp_min(1e-6).view(-1, 1, 1, 1)
    return (x - mean) / std


def network_input(crops: torch.Tensor, representation: str = "spectrum") -> torch.Tensor:
    """uint8 crops -> the extractor's input tensor, float32, standardised per crop.

    (B, 3, crop, crop // 2 + 1) for the spectrum, (B, 3, crop, crop) for the residual.
    """
    residual = noise_residual(crops)
    if representation == "spectrum":
        return standardise(log_spectrum(residual, half=True))
    if representation == "residual":
        return standardise(residual)
    raise ValueError(f"representation must be one of {REPRESENTATIONS}, got {representation!r}")


# --- display -----------------------------------------------------------------------


def display_spectrum(pixels: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Centred log-magnitude spectrum of the residual, averaged over channels and crops.

    Averaging over the crops keeps the periodic peaks of the generator (they sit at the
    same frequency in every crop) and washes out the scene.
    """
    crops, _ = crop_grid(pixels, config)
    with torch.inference_mode():
        spectra = log_spectrum(noise_residual(torch.from_numpy(crops)))
    return spectra.mean(dim=(0, 1)).numpy()


def azimuthal_profile(spectrum: np.ndarray, bins: int | None = None) -> np.ndarray:
    """Mean of a centred 2-D spectrum over rings of equal radius, centre outwards.

    Returns one value per integer radius from 0 to the inscribed radius (or `bins`
    values after resampling), the 1-D profile used for display and for FFD.
    """
    if spectrum.ndim != 2:
        raise ValueError(f"expected a 2-D spectrum, got shape {spectrum.shape}")
    h, w = spectrum.shape
    cy, cx = h // 2, w // 2
    yy, xx = np.indices((h, w))
    radius = np.hypot(yy - cy, xx - cx).round().astype(int)
    max_radius = min(cy, cx)
    mask = radius <= max_radius
    sums = np.bincount(radius[mask], weights=spectrum[mask])
    counts = np.bincount(radius[mask])
    profile = sums / np.maximum(counts, 1)
    if bins is not None and bins != profile.size:
        profile = np.interp(np.linspace(0, profile.size - 1, bins), np.arange(profile.size), profile)
    return profile


def readable_spectrum(pixels: np.ndarray, config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """The residual spectrum as an analyst reads it: on one level for every image.

    Each crop's log spectrum is standardised (zero mean, unit variance) as the network's
    input is, so two images of one generator share a colour scale although their raw
    levels differ by about +-1.5.  Averaged over channels and crops like
    :func:`display_spectrum`, which stays as it is for the spectrum baseline of ``evaluate``.
    (A Hann window on the crops was tried against the bright cross along the axes and did
    not lessen it consistently on photographs: the cross is in the residual itself, not
    only at the crop's edges.)
    """
    crops, _ = crop_grid(pixels, config)
    with torch.inference_mode():
        spectra = standardise(log_spectrum(noise_residual(torch.from_numpy(crops))))
    return spectra.mean(dim=(0, 1)).numpy()


def spectrum_vector(pixels: np.ndarray, config: PreprocessConfig = PreprocessConfig(), pooled: int = 32) -> np.ndarray:
    """The plain residual spectrum as a fingerprint, without any learnt network.

    The display spectrum pooled to `pooled` x `pooled` and standardised: the
    hand-crafted baseline `evaluate --method spectrum` compares the extractor with.
    """
    spectrum = torch.from_numpy(display_spectrum(pixels, config))[None, None]
    vector = torch.nn.functional.adaptive_avg_pool2d(spectrum, pooled).flatten()
    vector = (vector - vector.mean()) / vector.std().clamp_min(1e-6)
    return vector.numpy().astype(np.float32)
