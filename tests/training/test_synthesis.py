"""The architecture space and the synthetic generators trained from it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training import synthesis
from training.architectures import (
    EXTENDED_FACTORS,
    ORDER_POST,
    ORDER_PRE,
    PAPER_FACTORS,
    PAPER_SPACE,
    Architecture,
    ablate,
    architecture_at,
    enumerate_space,
    sample_architectures,
    space_size,
)
from training.synthesis import (
    GroupedSyntheticModel,
    build_model,
    load_model,
    model_path,
    read_metadata,
    stack_models,
    synthesize,
    train_stack,
)

torch.set_num_threads(1)

EXTENDED_SAMPLE = sample_architectures(EXTENDED_FACTORS, 40, np.random.default_rng(7))

# one of each kind of layer whose stacking could go wrong
STACKING_CASES = [
    Architecture(1, 1, "nearest", "relu", "batch", ORDER_POST),
    Architecture(2, 2, "transposed", "tanh", "instance", ORDER_PRE),
    Architecture(2, 2, "pixel_shuffle", "silu", "group", ORDER_PRE, kernel_size=3, block_type="residual"),
    Architecture(2, 1, "bilinear", "sigmoid", "group", ORDER_POST, kernel_size=5),
    Architecture(3, 2, "pixel_shuffle", "gelu", "batch", ORDER_POST, kernel_size=1, block_type="residual"),
]


def photo_batches(count: int, batch: int = 2, size: int = 32, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(batch, 3, size, size, generator=generator) * 2 - 1 for _ in range(count)]


# --- the space ---------------------------------------------------------------------


def test_paper_space_is_the_methods_288_architectures():
    assert len(PAPER_SPACE) == 288 == space_size(PAPER_FACTORS)
    assert len({arch.arch_id for arch in PAPER_SPACE}) == 288
    assert {arch.kernel_size for arch in PAPER_SPACE} == {3}
    assert {arch.block_type for arch in PAPER_SPACE} == {"plain"}


def test_ids_are_literal_and_readable():
    assert PAPER_SPACE[0].arch_id == "k1-l1-up_nearest-act_relu-norm_batch-ord_a"
    assert PAPER_SPACE[-1].arch_id == "k2-l2-up_transposed-act_tanh-norm_instance-ord_b"
    widened = Architecture(4, 1, "pixel_shuffle", "silu", "group", ORDER_POST, kernel_size=5, block_type="residual")
    assert widened.arch_id == "k4-l1-up_pixel_shuffle-act_silu-norm_group-ord_a-ks5-blk_residual"
    # a widening factor at its default leaves the id alone, so adding factors renames nothing
    assert Architecture(1, 1, "nearest", "relu", "batch", ORDER_POST, kernel_size=3).arch_id == PAPER_SPACE[0].arch_id


def test_extended_space_ids_are_unique_and_decoding_matches_enumeration():
    space = enumerate_space(EXTENDED_FACTORS)
    assert len(space) == space_size(EXTENDED_FACTORS) == 4 * 2 * 4 * 7 * 4 * 2 * 3 * 2
    assert len({arch.arch_id for arch in space}) == len(space)
    assert set(PAPER_SPACE) <= set(space)
    for index in (0, 1, 777, len(space) - 1):
        assert architecture_at(EXTENDED_FACTORS, index) == space[index]


def test_sampling_is_distinct_reproducible_and_inside_the_space():
    first = sample_architectures(EXTENDED_FACTORS, 50, 3)
    assert first == sample_architectures(EXTENDED_FACTORS, 50, 3)
    assert first != sample_architectures(EXTENDED_FACTORS, 50, 4)
    assert len(set(first)) == 50
    assert all(getattr(arch, name) in values for arch in first for name, values in EXTENDED_FACTORS.items())
    assert sorted(sample_architectures(PAPER_FACTORS, 288, 0), key=str) == sorted(PAPER_SPACE, key=str)
    with pytest.raises(ValueError):
        sample_architectures(PAPER_FACTORS, 289, 0)


def test_ablate_keeps_only_the_default_of_one_factor():
    reduced = ablate(PAPER_FACTORS, "activation")
    assert reduced["activation"] == ("relu",)
    assert {k: v for k, v in reduced.items() if k != "activation"} == {
        k: v for k, v in PAPER_FACTORS.items() if k != "activation"
    }
    assert space_size(reduced) == 288 // 4
    assert PAPER_FACTORS["activation"] == ("relu", "none", "sigmoid", "tanh")  # untouched
    with pytest.raises(KeyError):
        ablate(PAPER_FACTORS, "colour")


def test_architecture_round_trips_and_refuses_unknown_values():
    arch = EXTENDED_SAMPLE[0]
    assert Architecture.from_dict(json.loads(json.dumps(arch.to_dict()))) == arch
    with pytest.raises(ValueError):
        Architecture(1, 1, "cubic", "relu", "batch", ORDER_POST)
    with pytest.raises(ValueError):
        Architecture.from_dict({**arch.to_dict(), "dropout": 0.1})


# --- the models --------------------------------------------------------------------


@pytest.mark.parametrize("space", ["paper", "extended"])
def test_every_architecture_maps_images_to_images(space):
    archs = PAPER_SPACE if space == "paper" else EXTENDED_SAMPLE
    with torch.inference_mode():
        small = torch.rand(1, 3, 32, 32) * 2 - 1
        for arch in archs:
            size = 32 if arch.blocks <= 2 else 64  # the smallest size every factor accepts
            x = small if size == 32 else F.interpolate(small, size=size)
            assert build_model(arch, 0).eval()(x).shape == x.shape, arch.arch_id
        full = torch.rand(1, 3, 128, 128) * 2 - 1
        for arch in archs[:: len(archs) // 6]:
            out = build_model(arch, 0).eval()(full)
            assert out.shape == full.shape and torch.isfinite(out).all(), arch.arch_id


def test_input_size_must_suit_the_upsampling():
    model = build_model(Architecture(3, 1, "nearest", "relu", "batch", ORDER_POST), 0)
    with pytest.raises(ValueError, match="multiples of 8"):
        model(torch.zeros(1, 3, 36, 36))
    with pytest.raises(ValueError):
        model(torch.zeros(1, 1, 64, 64))


def test_one_seed_one_model_and_the_global_rng_untouched():
    arch = STACKING_CASES[2]
    before = torch.random.get_rng_state()
    first, again, other = build_model(arch, 5), build_model(arch, 5), build_model(arch, 6)
    assert torch.equal(before, torch.random.get_rng_state())
    for key, value in first.state_dict().items():
        assert torch.equal(value, again.state_dict()[key]), key
    assert any(
        not torch.equal(value, other.state_dict()[key])
        for key, value in first.state_dict().items()
        if value.is_floating_point() and value.numel() > 1
    )


def test_stack_and_unstack_copy_parameters_and_buffers_exactly():
    arch = STACKING_CASES[4]
    models = [build_model(arch, seed) for seed in range(3)]
    for model in models:  # give BatchNorm statistics that differ between the models
        model.train()(torch.rand(2, 3, 32, 32) * 2 - 1)
    grouped = stack_models(models)
    assert isinstance(grouped, GroupedSyntheticModel) and grouped.n_models == 3
    for original, copy in zip(models, grouped.unstack()):
        for key, value in original.state_dict().items():
            assert torch.equal(value, copy.state_dict()[key]), key
    with pytest.raises(ValueError):
        stack_models([build_model(arch, 0), build_model(STACKING_CASES[0], 0)])


@pytest.mark.parametrize("arch", STACKING_CASES, ids=lambda a: a.arch_id)
def test_a_stack_computes_what_each_model_computes(arch):
    models = [build_model(arch, seed).double().eval() for seed in range(3)]
    x = torch.rand(2, 3, 32, 32, dtype=torch.float64) * 2 - 1
    with torch.inference_mode():
        stacked = stack_models(models).eval()(x)
        assert stacked.shape == (2, 3, 3, 32, 32)
        for g, model in enumerate(models):
            torch.testing.assert_close(stacked[:, g], model(x), rtol=0, atol=1e-12)


# --- training ----------------------------------------------------------------------


def test_reconstruction_loss_falls_to_the_lower_bound_and_stays_there():
    """Flooding: above eta the loss is descended, below it ascended, so it hovers at eta."""
    smooth = F.interpolate(torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1, size=32)
    arch = Architecture(1, 2, "nearest", "relu", "batch", ORDER_PRE)
    eta = 0.05

    def history(bound: float) -> torch.Tensor:
        return train_stack(stack_models([build_model(arch, 0)]), lambda step: smooth, 60, eta=bound, lr=3e-3)[:, 0]

    bounded, free = history(eta), history(0.0)
    assert bounded[0] > 3 * eta  # it starts far above the bound
    tail = bounded[-30:]
    assert 0.8 * eta < tail.mean() < 1.25 * eta
    assert tail.min() > 0.6 * eta
    assert free[-30:].mean() < 0.3 * eta  # without the bound the same model goes on down


def synthesize_both_ways(tmp_path, specs, dtype: torch.dtype) -> list[tuple]:
    """(batched, one-at-a-time) pairs of loaded models, three steps on the same batches."""
    photos = photo_batches(3)
    for batched in (True, False):
        synthesize(specs, lambda step: photos[step], 3, tmp_path / str(batched), batched=batched, dtype=dtype)
    return [(load_model(a, s, tmp_path / "True"), load_model(a, s, tmp_path / "False")) for a, s in specs]


def test_batched_and_one_at_a_time_synthesis_give_the_same_models(tmp_path):
    """Every operation is per model, so in float64 the stack reproduces each model exactly
    (to the float32 precision models are cached in)."""
    specs = [(arch, seed) for arch in STACKING_CASES for seed in (0, 1)]
    for one, two in synthesize_both_ways(tmp_path, specs, torch.float64):
        for key, value in one.state_dict().items():
            torch.testing.assert_close(value, two.state_dict()[key], rtol=0, atol=1e-6, msg=key)


def test_in_float32_they_differ_by_rounding_lifted_on_a_few_parameters_only(tmp_path):
    """Adam divides by the root of the squared gradient, so a gradient near zero turns its
    rounding into a step of up to lr: rare parameters move apart, nothing else does."""
    specs = [(arch, 1) for arch in STACKING_CASES[:3]]
    x = photo_batches(1, seed=9)[0]
    for one, two in synthesize_both_ways(tmp_path, specs, torch.float32):
        diffs = torch.cat([(v - two.state_dict()[k]).abs().flatten().double() for k, v in one.state_dict().items()])
        assert (diffs > 1e-4).double().mean() < 1e-3
        assert diffs.max() < 1e-2
        with torch.inference_mode():
            torch.testing.assert_close(one(x), two(x), rtol=0, atol=1e-2)


# --- the cache ---------------------------------------------------------------------


def test_synthesis_caches_resumes_and_describes_each_model(tmp_path, monkeypatch):
    photos = photo_batches(2)
    specs = [(STACKING_CASES[0], seed) for seed in range(3)] + [(STACKING_CASES[1], 0)]
    calls: list[int] = []
    real_train_group = synthesis._train_group

    def counting(group, *args):
        calls.append(len(group))
        return real_train_group(group, *args)

    monkeypatch.setattr(synthesis, "_train_group", counting)
    reported: list[tuple[int, int]] = []
    paths = synthesize(
        specs, lambda step: photos[step], 2, tmp_path, group_size=2, progress=lambda *p: reported.append(p)
    )
    assert paths == [model_path(tmp_path, arch, seed) for arch, seed in specs]
    assert all(path.is_file() for path in paths)
    assert sorted(calls) == [1, 1, 2] and reported[-1] == (4, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temporary files left

    info = read_metadata(paths[1])
    assert Architecture.from_dict(info["architecture"]) == STACKING_CASES[0]
    assert (info["seed"], info["steps"], info["eta"], info["dtype"]) == (1, 2, 0.005, "float32")
    assert info["final_mse"] > 0
    model = load_model(STACKING_CASES[0], 1, tmp_path)
    assert not model.training

    calls.clear()
    assert synthesize(specs, lambda step: photos[step], 2, tmp_path) == paths
    assert calls == []  # everything cached: nothing trained

    paths[0].unlink()
    paths[3].unlink()
    synthesize(specs, lambda step: photos[step], 2, tmp_path)
    assert sorted(calls) == [1, 1] and all(path.is_file() for path in paths)
    with pytest.raises(FileNotFoundError):
        load_model(STACKING_CASES[0], 99, tmp_path)


def test_zero_steps_saves_the_initial_models(tmp_path):
    arch = STACKING_CASES[2]
    (path,) = synthesize([(arch, 3)], lambda step: pytest.fail("no batch is needed"), 0, tmp_path)
    assert read_metadata(path)["final_mse"] is None
    loaded, fresh = load_model(arch, 3, tmp_path), build_model(arch, 3)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
