"""The residual-statistics stream: co-occurrences of quantised noise residuals.

A generator's last layers leave a fine, regular texture in how neighbouring pixels
differ.  The steganalysis "rich models" describe such textures by counting how small
residual values co-occur along a line of pixels (SPAM: Pevny, Bas and Fridrich 2010;
SRM: Fridrich and Kodovsky 2012).  Cheap, hand-crafted and independent of the scene's
content, they carry what the small learned spectrum extractor misses, so they form a
stream of their own beside it.

Each residual is an integer difference filter applied to one colour plane (grey, the
R-G and B-G differences, which cancel shared content and keep the demosaicing or
upsampling pattern between channels), divided by a quantisation step, rounded and
clipped to [-T, T]; four consecutive values along a row (or a column) form one
co-occurrence code.  The normalised histograms are square-rooted (Hellinger), so a
Euclidean back-end compares distributions sensibly.  The measurement covers a central
region (512 px by default): large enough for stable counts, small enough to cost about
thirteen milliseconds an image (one core), and independent of how large the image is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: (name, 1-D kernel) residual filters; applied along rows and along columns.
FILTERS: dict[str, tuple[int, ...]] = {
    "first": (1, -1),
    "second": (1, -2, 1),
    "third": (1, -3, 3, -1),
}
PLANES = ("grey", "r-g", "b-g")
ORDER = 4  # pixels per co-occurrence


@dataclass(frozen=True)
class ResidualStatsConfig:
    """What the stream measures; stored in the model card with the back-end."""

    region: int = 512
    clip: int = 2
    filters: tuple[str, ...] = ("first", "second")
    planes: tuple[str, ...] = PLANES
    quantisation: float = 1.0

    def __post_init__(self) -> None:
        unknown = [f for f in self.filters if f not in FILTERS] + [p for p in self.planes if p not in PLANES]
        if unknown:
            raise ValueError(f"unknown residual filters or planes: {unknown}")
        if self.clip < 1 or self.region < 16 or self.quantisation <= 0:
            raise ValueError("clip must be >= 1, region >= 16 px and quantisation > 0")

    @property
    def bins(self) -> int:
        return (2 * self.clip + 1) ** ORDER

    @property
    def dimension(self) -> int:
        return len(self.filters) * len(self.planes) * 2 * self.bins

    def to_dict(self) -> dict:
        data = asdict(self)
        data["filters"], data["planes"] = list(self.filters), list(self.planes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ResidualStatsConfig":
        return cls(region=int(data["region"]), clip=int(data["clip"]), filters=tuple(data["filters"]),
                   planes=tuple(data["planes"]), quantisation=float(data["quantisation"]))


def central_region(pixels: np.ndarray, side: int) -> np.ndarray:
    """The central side x side part of an H x W x C image (all of it where smaller)."""
    h, w = pixels.shape[:2]
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return pixels[top : top + side, left : left + side]


def colour_planes(pixels: np.ndarray, planes: tuple[str, ...]) -> list[np.ndarray]:
    """The named planes of an RGB uint8 image as int32 arrays (grey is R + G + B)."""
    rgb = pixels.astype(np.int32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    made = {"grey": lambda: r + g + b, "r-g": lambda: r - g, "b-g": lambda: b - g}
    return [made[name]() for name in planes]


def _along(array: np.ndarray, axis: int, start: int, length: int) -> np.ndarray:
    """A view of `length` positions from `start` along `axis` (rows or columns)."""
    return array[:, start : start + length] if axis == 1 else array[start : start + length]


def _residual(plane: np.ndarray, kernel: tuple[int, ...], axis: int) -> np.ndarray:
    length = plane.shape[axis] - len(kernel) + 1
    out = kernel[0] * _along(plane, axis, 0, length)
    for offset, weight in enumerate(kernel[1:], start=1):
        out += weight * _along(plane, axis, offset, length)
    return out


def _quantise(residual: np.ndarray, step: float, clip: int) -> np.ndarray:
    """round(residual / step) clipped to [-clip, clip], shifted to [0, 2 clip].

    For an odd whole step (1 for the colour differences, 3 for grey) the division is
    done in integers: round(x / s) = floor((x + (s - 1) / 2) / s) exactly, as x / s never
    falls on a half; that is several times faster than rounding floats.
    """
    whole = int(step)
    if whole == step and whole % 2 == 1:
        codes = residual if whole == 1 else (residual + whole // 2) // whole
    else:
        codes = np.rint(residual / step).astype(np.int32)
    return (np.clip(codes, -clip, clip) + clip).astype(np.int32 if clip > 6 else np.int16)


def _cooccurrence(codes: np.ndarray, axis: int, base: int) -> np.ndarray:
    """Histogram of ORDER consecutive values along `axis` (values in [0, base))."""
    length = codes.shape[axis] - ORDER + 1
    if length <= 0:
        return np.zeros(base**ORDER)
    joint = _along(codes, axis, 0, length).astype(np.int16 if base**ORDER < 2**15 else np.int32)
    for offset in range(1, ORDER):
        joint *= base
        joint += _along(codes, axis, offset, length)
    return np.bincount(joint.ravel(), minlength=base**ORDER).astype(np.float64)


def residual_statistics(pixels: np.ndarray, config: ResidualStatsConfig = ResidualStatsConfig()) -> np.ndarray:
    """(config.dimension,) float32: square-rooted co-occurrence frequencies of one image.

    Grey is the sum of the channels, so its residuals are divided by 3 before
    quantising: every plane then counts in steps of about one grey level.
    """
    if pixels.ndim != 3 or pixels.shape[2] < 3:
        raise ValueError("residual statistics need an H x W x 3 image")
    region = central_region(pixels[..., :3], config.region)
    base = 2 * config.clip + 1
    parts = []
    for name, plane in zip(config.planes, colour_planes(region, config.planes)):
        step = config.quantisation * (3.0 if name == "grey" else 1.0)
        for filter_name in config.filters:
            for axis in (1, 0):  # along rows, then along columns
                codes = _quantise(_residual(plane, FILTERS[filter_name], axis), step, config.clip)
                counts = _cooccurrence(codes, axis, base)
                parts.append(np.sqrt(counts / max(1.0, counts.sum())))
    return np.concatenate(parts).astype(np.float32)


def select_statistics(stats: np.ndarray, computed: ResidualStatsConfig, wanted: ResidualStatsConfig) -> np.ndarray:
    """The columns of `wanted` from statistics computed under a richer `computed` config.

    Lets a study compute the richest statistics once and compare subsets of them.
    """
    same = (computed.region, computed.clip, computed.quantisation) == (wanted.region, wanted.clip, wanted.quantisation)
    if not same or not set(wanted.filters) <= set(computed.filters) or not set(wanted.planes) <= set(computed.planes):
        raise ValueError("the wanted statistics are not a subset of the computed ones")
    bins = computed.bins
    columns = []
    for plane in wanted.planes:
        for filter_name in wanted.filters:
            for axis in range(2):
                block = (computed.planes.index(plane) * len(computed.filters)
                         + computed.filters.index(filter_name)) * 2 + axis
                columns.append(np.arange(block * bins, (block + 1) * bins))
    return np.asarray(stats)[..., np.concatenate(columns)]
