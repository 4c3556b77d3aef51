"""Synthetic generators: shallow autoencoders that leave real generators' fingerprints.

A generator's fingerprint is mostly made by its last blocks (upsampling operator, the
convolutions after it, normalisation, activation), so small autoencoders built from the
same blocks and trained briefly to reconstruct photos reproduce the families of
fingerprints real generators leave.  The reconstruction loss has a lower bound ("flooding")
so that no model becomes an identity map and loses its artefacts.

Thousands of such models are needed, each tiny, so they are trained many at once: G
models of one architecture become one network whose every layer is grouped (G groups), and
one optimiser step updates all of them.  Every operation is per channel or per group, so
each model in the stack computes exactly what it would compute alone; `stack_models` and
`GroupedSyntheticModel.unstack` convert losslessly between the two forms.  Stacking is
what fills a GPU; on a CPU it buys nothing (see `synthesize`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from training.architectures import ORDER_POST, Architecture

DEFAULT_ETA = 0.005
MAX_CHANNELS = 64
FIRST_CHANNELS = 32
METADATA_KEY = "synthetic_model"

Spec = tuple[Architecture, int]


# --- layers ------------------------------------------------------------------------
# Every builder takes `n`, the number of models stacked along the channel axis; n = 1 is
# the plain single model, so one definition serves both forms.


def channel_widths(blocks: int) -> list[int]:
    """Channels after each down-block, input first: 3 -> 32 -> 64 -> 64 ... (capped)."""
    return [3] + [min(FIRST_CHANNELS * 2**i, MAX_CHANNELS) for i in range(blocks)]


def group_count(channels: int, max_groups: int = 8) -> int:
    """Groups of GroupNorm: 8, or the largest divisor below it for narrow layers."""
    return max(g for g in range(1, max_groups + 1) if channels % g == 0)


def removes_channel_means(kind: str, channels: int) -> bool:
    """Whether this norm subtracts each channel's own mean (GroupNorm: one channel a group).

    Such a norm makes the bias of the convolution feeding it dead weight whose gradient
    is pure rounding noise, which Adam would scale up into real updates; those
    convolutions are built without a bias.
    """
    return kind in ("batch", "instance") or (kind == "group" and group_count(channels) == channels)


def conv(c_in: int, c_out: int, kernel: int, n: int, bias: bool = True) -> nn.Conv2d:
    return nn.Conv2d(n * c_in, n * c_out, kernel, padding=kernel // 2, groups=n, bias=bias)


def norm_layer(kind: str, channels: int, n: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(n * channels)
    if kind == "instance":
        return nn.InstanceNorm2d(n * channels)
    if kind == "group":  # n * groups groups: no group straddles two stacked models
        return nn.GroupNorm(n * group_count(channels), n * channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown normalisation {kind!r}")


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "none": nn.Identity,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "gelu": nn.GELU,
}


def activation_layer(kind: str) -> nn.Module:
    if kind not in ACTIVATIONS:
        raise ValueError(f"unknown activation {kind!r}")
    return ACTIVATIONS[kind]()


class Interpolate(nn.Module):
    """x2 resampling by a fixed kernel (nearest or bilinear), per channel."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        align = False if self.mode == "bilinear" else None
        return F.interpolate(x, scale_factor=2, mode=self.mode, align_corners=align)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


def upsampler(kind: str, channels: int, n: int) -> nn.Module:
    """The x2 upsampling operator; learnt ones are grouped like every convolution.

    PixelShuffle(2) turns channels 4c..4c+3 into output channel c, so with the models'
    channel blocks contiguous each model's output draws only on its own 4C inputs.
    """
    if kind in ("nearest", "bilinear"):
        return Interpolate(kind)
    if kind == "transposed":
        return nn.ConvTranspose2d(n * channels, n * channels, 2, stride=2, groups=n)
    if kind == "pixel_shuffle":
        return nn.Sequential(conv(channels, 4 * channels, 3, n), nn.PixelShuffle(2))
    raise ValueError(f"unknown upsampling {kind!r}")


class DownBlock(nn.Sequential):
    """Average-pool x2, conv3x3 -> BatchNorm -> ReLU -> conv3x3 -> BatchNorm (fixed)."""

    def __init__(self, c_in: int, c_out: int, n: int) -> None:
        super().__init__(
            nn.AvgPool2d(2),
            conv(c_in, c_out, 3, n, bias=False),
            nn.BatchNorm2d(n * c_out),
            nn.ReLU(),
            conv(c_out, c_out, 3, n, bias=False),
            nn.BatchNorm2d(n * c_out),
        )


class ConvUnit(nn.Sequential):
    """One convolution of an up-block with its norm and activation, placed per `order`.

    up-conv-norm-act: [upsample] conv, then norm and activation on the conv's output;
    norm-act-up-conv: norm and activation on the input, then [upsample] conv.
    """

    def __init__(
        self, arch: Architecture, c_in: int, c_out: int, n: int, up: nn.Module | None, feeds_norm: bool
    ) -> None:
        post = arch.order == ORDER_POST
        # the output feeds a norm of c_out channels: its own (post) or the next unit's (pre)
        bias = not (removes_channel_means(arch.norm, c_out) and (post or feeds_norm))
        layers = [] if post else [norm_layer(arch.norm, c_in, n), activation_layer(arch.activation)]
        layers += ([up] if up is not None else []) + [conv(c_in, c_out, arch.kernel_size, n, bias=bias)]
        if post:
            layers += [norm_layer(arch.norm, c_out, n), activation_layer(arch.activation)]
        super().__init__(*layers)


class ResidualUpBlock(nn.Module):
    """Upsample, then x + f(x) over the block's convolutions, as a latent decoder's ResnetBlock.

    The shortcut is a 1x1 convolution where the block changes the channel count.
    """

    def __init__(self, up: nn.Module, body: nn.Sequential, shortcut: nn.Module) -> None:
        super().__init__()
        self.up = up
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.up(x)
        return self.shortcut(h) + self.body(h)


def up_block(arch: Architecture, c_in: int, c_out: int, n: int, last: bool) -> nn.Module:
    """Upsample x2 then L convolutions; all but the last keep the input width."""
    widths = [c_in] * arch.convs_per_block + [c_out]
    up = upsampler(arch.upsample, c_in, n)
    count = arch.convs_per_block
    if arch.block_type == "plain":
        # in the pre order the next convolution of the chain starts with its own norm
        return nn.Sequential(
            *(
                ConvUnit(arch, widths[i], widths[i + 1], n, up if i == 0 else None, not (last and i == count - 1))
                for i in range(count)
            )
        )
    if arch.block_type == "residual":
        body = nn.Sequential(
            *(ConvUnit(arch, widths[i], widths[i + 1], n, None, i < count - 1) for i in range(count))
        )
        shortcut = nn.Identity() if c_in == c_out else conv(c_in, c_out, 1, n)
        return ResidualUpBlock(up, body, shortcut)
    raise ValueError(f"unknown block type {arch.block_type!r}")


class _StackedAutoencoder(nn.Module):
    """K down-blocks then K up-blocks mirroring the channels back to 3, for n stacked models.

    The output is not clamped: a saved image is clamped and quantised by whoever saves it.
    """

    def __init__(self, arch: Architecture, n: int) -> None:
        super().__init__()
        self.arch = arch
        self.n_models = n
        widths = channel_widths(arch.blocks)
        self.down = nn.Sequential(*(DownBlock(widths[i], widths[i + 1], n) for i in range(arch.blocks)))
        rev = widths[::-1]
        self.up = nn.Sequential(
            *(up_block(arch, rev[i], rev[i + 1], n, last=i == arch.blocks - 1) for i in range(arch.blocks))
        )

    def check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected a (B, 3, H, W) batch, got shape {tuple(x.shape)}")
        if x.shape[-1] % self.arch.upscale or x.shape[-2] % self.arch.upscale:
            raise ValueError(f"height and width must be multiples of {self.arch.upscale}, got {tuple(x.shape)}")

    def run(self, stacked: torch.Tensor) -> torch.Tensor:
        return self.up(self.down(stacked))


class SyntheticModel(_StackedAutoencoder):
    """One synthetic generator: (B, 3, H, W) in [-1, 1] -> (B, 3, H, W)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__(arch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.run(x)


class GroupedSyntheticModel(_StackedAutoencoder):
    """G synthetic generators of one architecture run as one grouped network.

    Input: one photo batch (B, 3, H, W) shared by all models; output (B, G, 3, H, W).
    """

    def __init__(self, arch: Architecture, n_models: int) -> None:
        super().__init__(arch, n_models)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        out = self.run(x.repeat(1, self.n_models, 1, 1))
        return out.reshape(x.shape[0], self.n_models, 3, *out.shape[-2:])

    def unstack(self) -> list[SyntheticModel]:
        """The G models as independent copies (parameters and buffers, training flag too)."""
        models = [_placed_like(SyntheticModel(self.arch), self) for _ in range(self.n_models)]
        parts = {key: _split(value, self.n_models) for key, value in self.state_dict().items()}
        for g, model in enumerate(models):
            model.load_state_dict({key: chunks[g].clone() for key, chunks in parts.items()})
            model.train(self.training)
        return models


def _placed_like(module: nn.Module, reference: nn.Module) -> nn.Module:
    """`module` moved to the device and floating dtype of `reference`'s parameters."""
    first = next(reference.parameters())
    return module.to(first.device, first.dtype)


def _split(value: torch.Tensor, n: int) -> list[torch.Tensor]:
    """Per-model slices of a stacked tensor: every stacked tensor stacks along dim 0.

    (Conv weights are (G*out, in, k, k), transposed-conv weights (G*in, out, k, k), norm
    parameters and statistics (G*C,).)  Scalars such as BatchNorm's step count are shared.
    """
    if value.ndim == 0:
        return [value] * n
    return list(value.chunk(n, dim=0))


def stack_models(models: Sequence[SyntheticModel]) -> GroupedSyntheticModel:
    """One grouped network computing exactly what each of `models` computes."""
    if not models:
        raise ValueError("no models to stack")
    arch = models[0].arch
    if any(m.arch != arch for m in models):
        raise ValueError("only models of one architecture can be stacked")
    grouped = _placed_like(GroupedSyntheticModel(arch, len(models)), models[0])
    states = [m.state_dict() for m in models]
    stacked = {
        key: states[0][key].clone() if value.ndim == 0 else torch.cat([s[key] for s in states], dim=0)
        for key, value in states[0].items()
    }
    grouped.load_state_dict(stacked)
    grouped.train(models[0].training)
    return grouped


def build_model(arch: Architecture, seed: int) -> SyntheticModel:
    """A freshly initialised model whose weights depend on `seed` alone.

    The global RNG is forked, so building models never disturbs anyone else's randomness.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SyntheticModel(arch)


# --- training ----------------------------------------------------------------------


def flooded_loss(mse: torch.Tensor, eta: float) -> torch.Tensor:
    """|mse - eta| + eta per model, summed: gradient descent above eta, ascent below.

    Summing keeps each model's gradient its own, so stacked models train independently.
    """
    return ((mse - eta).abs() + eta).sum()


def per_model_mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(B, G, 3, H, W) outputs against the (B, 3, H, W) photos -> (G,) MSE."""
    return (output - target.unsqueeze(1)).square().mean(dim=(0, 2, 3, 4))


def train_stack(
    grouped: GroupedSyntheticModel,
    next_batch: Callable[[int], torch.Tensor],
    steps: int,
    eta: float = DEFAULT_ETA,
    lr: float = 1e-3,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Train every stacked model for `steps` Adam steps; return the MSE history (steps, G).

    Adam works element by element, so one optimiser over the stacked parameters takes
    exactly the steps G separate optimisers would.  Tensors are kept channels-last:
    oneDNN's grouped convolutions run about twice as fast that way on a CPU, and single
    models lose nothing by it.  Row s holds each model's MSE on step s's batch, before
    that step's update.  The photos are cast to the models' precision.
    """
    grouped.to(device, memory_format=torch.channels_last).train()
    dtype = next(grouped.parameters()).dtype
    optimiser = torch.optim.Adam(grouped.parameters(), lr=lr)
    history = torch.empty(steps, grouped.n_models, dtype=torch.float64)
    for step in range(steps):
        photos = next_batch(step).to(device, dtype).contiguous(memory_format=torch.channels_last)
        mse = per_model_mse(grouped(photos), photos)
        optimiser.zero_grad(set_to_none=True)
        flooded_loss(mse, eta).backward()
        optimiser.step()
        history[step] = mse.detach().cpu()
    return history


# --- cache -------------------------------------------------------------------------


def model_path(cache_dir: Path, arch: Architecture, seed: int) -> Path:
    return Path(cache_dir) / f"{arch.arch_id}__s{seed}.safetensors"


def save_model(model: SyntheticModel, path: Path, info: dict) -> None:
    """Write the state dict with its description in the file's metadata, atomically.

    A crash mid-write leaves a stray temporary file, never a truncated model that a
    resumed run would take for finished.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    state = {key: _stored(value) for key, value in model.state_dict().items()}
    save_file(state, str(tmp), metadata={METADATA_KEY: json.dumps(info, sort_keys=True)})
    os.replace(tmp, path)


def _stored(value: torch.Tensor) -> torch.Tensor:
    """Cached tensors are float32 on the CPU, whatever precision and device trained them."""
    value = value.detach().cpu()
    return (value.float() if value.is_floating_point() else value).contiguous()


def read_metadata(path: Path) -> dict:
    """The description saved with a model: architecture factors, seed, steps, final MSE."""
    with safe_open(str(path), framework="pt") as handle:
        return json.loads(handle.metadata()[METADATA_KEY])


def load_model(arch: Architecture, seed: int, cache_dir: Path) -> SyntheticModel:
    """A cached model, in eval mode (BatchNorm uses the statistics learnt in training)."""
    path = model_path(cache_dir, arch, seed)
    if not path.exists():
        raise FileNotFoundError(f"no synthetic model {path.name} in {cache_dir}; run synthesis first")
    model = SyntheticModel(arch)
    model.load_state_dict(load_file(str(path)))
    return model.eval()


def _unique(specs: Sequence[Spec]) -> list[Spec]:
    return list(dict.fromkeys(specs))


def _pending_groups(specs: Sequence[Spec], cache_dir: Path, group_size: int) -> Iterator[list[Spec]]:
    """Uncached specs, grouped by architecture, in chunks of at most `group_size`."""
    by_arch: dict[Architecture, list[Spec]] = {}
    for arch, seed in specs:
        if not model_path(cache_dir, arch, seed).exists():
            by_arch.setdefault(arch, []).append((arch, seed))
    for group in by_arch.values():
        for start in range(0, len(group), group_size):
            yield group[start : start + group_size]


def _train_group(
    group: list[Spec],
    next_batch: Callable[[int], torch.Tensor],
    steps: int,
    eta: float,
    lr: float,
    device: torch.device | str,
    dtype: torch.dtype,
) -> tuple[list[SyntheticModel], list[float | None]]:
    """Build, stack, train and unstack one group's models, with each one's last MSE.

    A group of one is a plain single model (every convolution has groups=1): that is how
    models are trained one at a time, through the very same code.
    """
    grouped = stack_models([build_model(arch, seed).to(dtype) for arch, seed in group])
    history = train_stack(grouped, next_batch, steps, eta, lr, device)
    final = [None] * len(group) if steps == 0 else history[-1].tolist()
    return grouped.unstack(), final


def synthesize(
    specs: Sequence[Spec],
    next_batch: Callable[[int], torch.Tensor],
    steps: int,
    cache_dir: Path,
    *,
    batched: bool = True,
    eta: float = DEFAULT_ETA,
    lr: float = 1e-3,
    group_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> list[Path]:
    """Train (or find cached) every (architecture, seed) model; return their paths in order.

    `next_batch(step)` supplies the photo batch of each step; every model sees the same
    sequence, so batched and one-at-a-time training give the same models.  Models already
    in `cache_dir` are skipped, so an interrupted run resumes where it stopped.
    `progress(done, total)` is called after each group; `cancel()` is checked between
    groups and stops the run (finished models stay cached; the paths of unfinished ones
    are still returned, and do not exist).

    Batching pays where one small model leaves the device idle (a GPU: pass `device`).
    On a CPU each model's convolutions already run near the core's peak and G stacked
    models overflow the caches that one fits in, so there one at a time
    (`batched=False`) is as fast or faster; see benchmarks/synthesis_speed.py.

    The stacked and single forms compute the same function, but in float32 their
    rounding differs and Adam's step normalisation lifts that to about lr / 10 on the few
    parameters whose gradient is near zero.  `dtype=torch.float64` makes the two agree
    to float32 storage precision, for audits; models are cached as float32 either way.
    """
    if steps < 0:
        raise ValueError("steps must be >= 0")
    cache_dir = Path(cache_dir)
    specs = _unique(specs)
    groups = list(_pending_groups(specs, cache_dir, group_size if batched else 1))
    total = sum(len(g) for g in groups)
    done = 0
    for group in groups:
        if cancel is not None and cancel():
            break
        models, losses = _train_group(group, next_batch, steps, eta, lr, device, dtype)
        for (arch, seed), model, loss in zip(group, models, losses):
            info = {
                "architecture": arch.to_dict(),
                "arch_id": arch.arch_id,
                "seed": seed,
                "steps": steps,
                "eta": eta,
                "lr": lr,
                "dtype": str(dtype).removeprefix("torch."),
                "final_mse": loss,  # None when there were no steps
            }
            save_model(model, model_path(cache_dir, arch, seed), info)
        done += len(group)
        if progress is not None:
            progress(done, total)
    return [model_path(cache_dir, arch, seed) for arch, seed in specs]
