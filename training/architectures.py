"""The architecture space of the synthetic generators, expressed as data.

A synthetic generator is described by a handful of *factors* (how many blocks, which
upsampling operator, which activation, ...).  The space is a dict from factor name to the
tuple of values it may take, so widening the space is one more entry in a dict (and a
default on `Architecture`), never new code paths.  The first value of every tuple is that
factor's default: the value an ablation keeps when it removes the factor's variety.

`PAPER_FACTORS` is exactly the method's space (6 factors, 288 architectures).
`EXTENDED_FACTORS` widens it towards the decoders of latent text-to-image systems, which
upsample x8 or x16 through residual blocks with GroupNorm and SiLU, sometimes through
sub-pixel convolution: families of fingerprints the paper's space cannot produce.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields

import numpy as np

Factors = Mapping[str, Sequence[object]]

ORDER_POST = "up-conv-norm-act"
ORDER_PRE = "norm-act-up-conv"


def _factor(tag: str, default: object = None, short: Mapping[object, str] | None = None):
    """A dataclass field carrying how the factor is written in an architecture id.

    `tag` prefixes the value in the id; `short` optionally abbreviates values that are
    long or not filename-safe.  A factor given a default is a *widening* factor: it is
    left out of the id while it holds that default (see `Architecture.arch_id`).
    """
    metadata = {"tag": tag, "short": dict(short or {})}
    if default is None:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Architecture:
    """One point of the architecture space: the value of every factor."""

    blocks: int = _factor("k")  # K down-blocks and K up-blocks: upsampling x 2**K
    convs_per_block: int = _factor("l")  # L convolutions in every up-block
    upsample: str = _factor("up_")
    activation: str = _factor("act_")
    norm: str = _factor("norm_")
    order: str = _factor("ord_", short={ORDER_POST: "a", ORDER_PRE: "b"})
    # widening factors; their defaults are the paper's behaviour
    kernel_size: int = _factor("ks", default=3)
    block_type: str = _factor("blk_", default="plain")

    def __post_init__(self) -> None:
        for f in fields(self):
            allowed = EXTENDED_FACTORS.get(f.name)
            value = getattr(self, f.name)
            if allowed is not None and value not in allowed:
                raise ValueError(f"{f.name}={value!r} is not one of {tuple(allowed)}")

    @property
    def arch_id(self) -> str:
        """A readable id, stable across runs and Python versions (no hashing).

        Widening factors are left out while they hold their default, so that adding a
        factor to the space never renames the architectures (and cached models) that
        already exist: every paper architecture keeps the same id whatever is added.
        """
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.default is not MISSING and f.default == value:
                continue
            shown = f.metadata["short"].get(value, str(value))
            parts.append(f"{f.metadata['tag']}{shown}")
        return "-".join(parts)

    @property
    def upscale(self) -> int:
        """The factor by which the up path enlarges; inputs must be multiples of it."""
        return 2**self.blocks

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "Architecture":
        """Inverse of `to_dict`; unknown keys are refused rather than silently dropped."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown architecture factors: {sorted(unknown)}")
        return cls(**dict(data))


PAPER_FACTORS: dict[str, tuple] = {
    "blocks": (1, 2),
    "convs_per_block": (1, 2),
    "upsample": ("nearest", "bilinear", "transposed"),
    "activation": ("relu", "none", "sigmoid", "tanh"),
    "norm": ("batch", "none", "instance"),
    "order": (ORDER_POST, ORDER_PRE),
}

EXTENDED_FACTORS: dict[str, tuple] = {
    **PAPER_FACTORS,
    "blocks": (1, 2, 3, 4),
    "upsample": (*PAPER_FACTORS["upsample"], "pixel_shuffle"),
    "activation": (*PAPER_FACTORS["activation"], "silu", "leaky_relu", "gelu"),
    "norm": (*PAPER_FACTORS["norm"], "group"),
    "kernel_size": (3, 1, 5),
    "block_type": ("plain", "residual"),
}


def _check_factors(factors: Factors) -> list[str]:
    names = [f.name for f in fields(Architecture)]
    unknown = [name for name in factors if name not in names]
    if unknown:
        raise ValueError(f"unknown factors {unknown}; Architecture has {names}")
    empty = [name for name, values in factors.items() if not values]
    if empty:
        raise ValueError(f"factors without values: {empty}")
    return [name for name in names if name in factors]


def space_size(factors: Factors) -> int:
    """Number of architectures in the space (without enumerating it)."""
    _check_factors(factors)
    return math.prod(len(values) for values in factors.values())


def architecture_at(factors: Factors, index: int) -> Architecture:
    """The `index`-th architecture of `enumerate_space(factors)`, decoded directly.

    Mixed-radix decoding with the last factor varying fastest, the order of
    `itertools.product`, so large spaces can be sampled without being listed.
    """
    names = _check_factors(factors)
    size = space_size(factors)
    if not 0 <= index < size:
        raise IndexError(f"index {index} outside a space of {size}")
    values = {}
    for name in reversed(names):
        options = tuple(factors[name])
        index, digit = divmod(index, len(options))
        values[name] = options[digit]
    return Architecture(**values)


def enumerate_space(factors: Factors) -> list[Architecture]:
    """Every architecture of the space, in a deterministic (product) order."""
    names = _check_factors(factors)
    combos = itertools.product(*(tuple(factors[name]) for name in names))
    return [Architecture(**dict(zip(names, combo))) for combo in combos]


def sample_architectures(factors: Factors, n: int, rng: np.random.Generator | int) -> list[Architecture]:
    """`n` distinct architectures drawn uniformly from the space, reproducibly from `rng`."""
    rng = np.random.default_rng(rng)
    size = space_size(factors)
    if n > size:
        raise ValueError(f"cannot draw {n} distinct architectures from a space of {size}")
    indices = rng.choice(size, size=n, replace=False)
    return [architecture_at(factors, int(i)) for i in indices]


def ablate(factors: Factors, name: str) -> dict[str, tuple]:
    """The space with one factor's variety removed: only its first (default) value kept.

    Used by the FFD ablation: the rise in FFD when a factor is removed measures how much
    that factor contributes to covering real generators' fingerprints.
    """
    if name not in factors:
        raise KeyError(f"no factor {name!r} in {list(factors)}")
    reduced = {key: tuple(values) for key, values in factors.items()}
    reduced[name] = reduced[name][:1]
    return reduced


PAPER_SPACE: list[Architecture] = enumerate_space(PAPER_FACTORS)
