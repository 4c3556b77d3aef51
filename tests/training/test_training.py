"""Extractor training end to end: the tiny recipe, resuming, and the 2-process run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from forensics_app.core.fingerprint.extractor import Extractor, read_card
from forensics_app.testing.tiny_generators import generate
from training.config import SETTINGS_FILE, TrainConfig, load_config
from training.data import PostProcess, overlay
from training.train import batch_hard_triplet, batch_shards, check_run_folder, plan_models

REPO = Path(__file__).resolve().parents[2]


def test_tiny_recipe_trains_saves_reloads_and_embeds(tiny_run):
    card = read_card(tiny_run["out_dir"] / "extractor")
    assert card.extra["training"]["command"].startswith("python -m training train")
    assert card.extra["training"]["recipe"]["name"] == "tiny"
    assert "synthetic architectures never seen" in card.calibration.source
    assert -1.0 < card.calibration.threshold < 1.0 and card.calibration.slope > 0
    heldout = card.extra["figures"]["heldout_synthetic"]
    assert set(heldout) == {"unseen_seeds", "unseen_architectures"}
    history = [json.loads(line) for line in (tiny_run["out_dir"] / "log.jsonl").read_text().splitlines()]
    assert [h["step"] for h in history] == [20, 40]
    losses = [json.loads(line)["loss"] for line in (tiny_run["out_dir"] / "losses.jsonl").read_text().splitlines()]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])  # it learns
    extractor = Extractor.load(tiny_run["out_dir"] / "extractor", "cpu")
    embeddings = extractor.embed_pixels(generate("nearest", 2) + generate("transposed", 2))
    assert embeddings.shape == (4, 32) and np.isfinite(embeddings).all()


def test_a_finished_run_resumes_without_training_again(tiny_run, tmp_path):
    from training.train import train

    out_dir = tmp_path / "run"
    shutil.copytree(tiny_run["out_dir"], out_dir)
    before = (out_dir / "losses.jsonl").read_text()
    summary = train(tiny_run["config"], out_dir)
    assert summary["steps"] == 40 and (out_dir / "losses.jsonl").read_text() == before


def test_a_run_can_continue_from_an_exported_extractor(tiny_run, tmp_path):
    """Fine-tuning starts from the exported weights (not random ones) and the card says which."""
    from dataclasses import replace

    from training.train import export, train

    start = tiny_run["out_dir"] / "extractor"
    out_dir = tmp_path / "continued"
    shutil.copytree(tiny_run["out_dir"] / "banks", out_dir / "banks")
    shutil.copytree(tiny_run["out_dir"] / "synthetic-models", out_dir / "synthetic-models")
    shutil.copy(tiny_run["out_dir"] / SETTINGS_FILE, out_dir / SETTINGS_FILE)
    config = replace(tiny_run["config"], init_from=str(start), epochs=1)
    summary = train(config, out_dir, max_steps=1)
    assert summary["initial_weights"]["sha256"] == read_card(start).sha256
    first = json.loads((out_dir / "losses.jsonl").read_text().splitlines()[0])["loss"]
    fresh = json.loads((tiny_run["out_dir"] / "losses.jsonl").read_text().splitlines()[0])["loss"]
    assert first < fresh  # a trained network with its head set from class means starts ahead
    card = export(config, out_dir, summary, "python -m training train --config tiny")
    lineage = card.extra["training"]["initial_weights"]
    assert lineage["extractor_id"] == read_card(start).extractor_id
    assert lineage["training"]["command"] == read_card(start).extra["training"]["command"]

    other = replace(config, network={**config.network, "embedding_dim": 16})
    with pytest.raises(ValueError, match="network"):
        train(other, tmp_path / "mismatch", max_steps=1)


def test_every_recipe_loads_and_a_continued_one_starts_from_its_base_recipes_run():
    from training.config import CONFIG_DIR

    recipes = {path.stem: load_config(path.stem) for path in CONFIG_DIR.glob("*.json")}
    assert {"tiny", "cpu", "paper"} <= set(recipes)
    for recipe in recipes.values():
        if recipe.init_from:
            base = Path(recipe.init_from).parent.name  # runs/<base recipe>/extractor
            assert base in recipes and Path(recipe.init_from).name == "extractor"
            assert recipes[base].network == recipe.network
    assert recipes["tiny"].background_qualities == (75, 70)
    with pytest.raises(ValueError, match="must lie on the matching ladder"):
        load_config("tiny", {"background_qualities": [75, 77]})  # probes snap to the ladder: 77 is never asked for


def test_plan_keeps_heldout_architectures_out_of_training():
    config = load_config("tiny")
    plan = plan_models(config)
    train_archs = {arch for arch, _ in plan.train}
    assert len(train_archs) == config.architectures
    assert not train_archs & {arch for arch, _ in plan.unseen_architectures}
    assert {arch for arch, _ in plan.unseen_seeds} <= train_archs
    assert not set(plan.train) & set(plan.unseen_seeds)
    assert plan_models(config) == plan  # deterministic


def test_batches_are_p_models_by_k_images_split_into_shards():
    config = TrainConfig(models_per_batch=6, images_per_model=3, bank_images=8)
    shards = batch_shards(5, config, models=20, shards=2)
    models = np.concatenate([m for m, _ in shards])
    assert len(shards) == 2 and models.size == 6 and np.unique(models).size == 6
    assert all(images.shape[1] == 3 for _, images in shards)
    again = batch_shards(5, config, models=20, shards=1)
    np.testing.assert_array_equal(np.sort(again[0][0]), np.sort(models))


def test_batch_hard_triplet_picks_the_hardest_pairs():
    embeddings = torch.tensor([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [0.8, 0.6]])
    labels = torch.tensor([0, 0, 1, 1])
    loss = batch_hard_triplet(embeddings, labels, margin=0.3)
    d = torch.cdist(embeddings, embeddings)
    expected = torch.stack([
        torch.relu(d[0, 1] - d[0, 3] + 0.3), torch.relu(d[1, 0] - d[1, 3] + 0.3),
        torch.relu(d[2, 3] - d[2, 1] + 0.3), torch.relu(d[3, 2] - d[3, 1] + 0.3),
    ]).mean()
    torch.testing.assert_close(loss, expected)


def test_post_processing_recompresses_rescales_and_crops():
    images = torch.from_numpy(np.stack(generate("bilinear", 4, size=160))).permute(0, 3, 1, 2).contiguous()
    rng = np.random.default_rng(0)
    out = PostProcess(out_size=128, jpeg_probability=1.0, resize_probability=1.0)(images, rng)
    assert out.shape == (4, 3, 128, 128) and out.dtype == torch.uint8
    untouched = PostProcess(out_size=160)(images, np.random.default_rng(0))
    assert torch.equal(untouched, images)


def test_a_second_jpeg_pass_changes_pixels_only_when_asked_for():
    images = torch.from_numpy(np.stack(generate("bilinear", 4, size=128))).permute(0, 3, 1, 2).contiguous()
    once = PostProcess(out_size=128, jpeg_probability=1.0, jpeg_quality=(70, 70))
    twice = PostProcess(out_size=128, jpeg_probability=1.0, jpeg_quality=(70, 70), jpeg_again_probability=1.0)
    never = PostProcess(out_size=128, jpeg_probability=1.0, jpeg_quality=(70, 70), jpeg_again_probability=0.0)
    first = once(images, np.random.default_rng(1))
    assert torch.equal(first, never(images, np.random.default_rng(1)))  # the old random stream is kept
    assert not torch.equal(first, twice(images, np.random.default_rng(1)))


def _free_port() -> int:
    """A port no other process holds now: a fixed one can still be in use by an earlier run."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_two_process_gloo_run_matches_one_process_on_the_same_batches(tmp_path, tiny_run):
    """DistributedDataParallel over 2 CPU processes = one process accumulating 2 shares.

    Both runs start from the session's tiny run's synthetic models and banks (the same
    recipe's render settings), so only the training steps are run again.
    """
    from training.config import SETTINGS_FILE

    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        for name in ("synthetic-models", "banks"):
            shutil.copytree(tiny_run["out_dir"] / name, tmp_path / run / name)
        shutil.copy(tiny_run["out_dir"] / SETTINGS_FILE, tmp_path / run / SETTINGS_FILE)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = ["-m", "training", "train", "--config", "tiny", "--max-steps", "4", "--threads", "1",
              "--set", "jpeg_probability=0.0"]
    single = subprocess.run([sys.executable, *common, "--out", str(tmp_path / "one"), "--shards", "2"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-2000:]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port())]
    double = subprocess.run([*torchrun, *common, "--out", str(tmp_path / "two")],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert double.returncode == 0, double.stderr[-2000:]
    assert "synthesis" not in single.stdout + single.stderr + double.stdout + double.stderr  # the cache was used

    def losses(run: str) -> list[float]:
        return [json.loads(line)["loss"] for line in (tmp_path / run / "losses.jsonl").read_text().splitlines()]

    np.testing.assert_allclose(losses("two"), losses("one"), rtol=1e-4)


def test_shared_photos_give_every_model_the_same_content(monkeypatch, tmp_path):
    """With a shared pool, content cannot tell models apart; without it, it can."""
    import training.train as train_module
    from training.architectures import PAPER_SPACE
    from training.data import PhotoPool, skimage_photos

    monkeypatch.setattr(train_module, "load_model", lambda arch, seed, cache: torch.nn.Identity())
    pool = PhotoPool(skimage_photos())
    specs = [(PAPER_SPACE[0], 0), (PAPER_SPACE[1], 0)]

    def contents(config: TrainConfig) -> list[set[bytes]]:
        bank = train_module.render_bank(specs, tmp_path, pool, config, salt=0, device=torch.device("cpu"))
        return [{image.tobytes() for image in model_images} for model_images in bank]

    shared = contents(TrainConfig(bank_images=4, shared_photos=4, render_size=64))
    assert shared[0] == shared[1]
    separate = contents(TrainConfig(bank_images=4, render_size=64))
    assert not separate[0] & separate[1]


def test_overlay_lays_every_output_over_its_photo_at_the_drawn_strength():
    generator = torch.Generator().manual_seed(0)
    photos = torch.rand(3, 3, 32, 32, generator=generator) * 2 - 1
    # a nearly flat output, as untrained models often give, still leaves its full pattern
    output = 0.7 + 1e-3 * torch.rand(3, 3, 32, 32, generator=generator)
    strength = torch.tensor([0.01, 0.05, 0.1]).view(3, 1, 1, 1)
    added = overlay(photos, output, strength) - photos
    torch.testing.assert_close(added.mean(dim=(-2, -1)), torch.zeros(3, 3), atol=1e-4, rtol=0)
    torch.testing.assert_close(added.std(dim=(-2, -1)), strength.view(3, 1).expand(3, 3), atol=1e-4, rtol=1e-3)
    flat = overlay(photos, torch.full_like(photos, 0.3), strength)  # a constant output adds nothing
    assert (flat - photos).abs().max() < 0.25 / 255  # far below a grey level: quantising removes it


def test_overlay_strength_survives_the_recipe_round_trip():
    config = load_config("tiny", {"overlay_strength": [0.02, 0.1]})
    assert config.overlay_strength == (0.02, 0.1)
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_a_run_folder_is_reused_only_under_the_settings_that_made_it(tmp_path):
    run = tmp_path / "run"
    config = load_config("tiny")
    check_run_folder(config, run)  # a new folder records its settings
    assert (run / SETTINGS_FILE).is_file()
    check_run_folder(load_config("tiny", {"epochs": 9, "lr": 1e-4}), run)  # training settings may change
    with pytest.raises(ValueError, match=r"overlay_strength: None -> \[0.02, 0.1\]"):
        check_run_folder(load_config("tiny", {"overlay_strength": [0.02, 0.1]}), run)
    with pytest.raises(ValueError, match="synth_steps"):
        check_run_folder(load_config("tiny", {"synth_steps": config.synth_steps + 1}), run)

    unrecorded = tmp_path / "old-run"
    (unrecorded / "banks").mkdir(parents=True)
    (unrecorded / "banks" / "train.npy").write_bytes(b"")
    with pytest.raises(ValueError, match="not recorded"):
        check_run_folder(config, unrecorded)
    assert (unrecorded / "banks" / "train.npy").exists()  # nothing is deleted


def test_record_copies_evaluation_and_study_figures_into_the_sealed_card(extractor_dir, tmp_path, capsys):
    from training.cli import main

    folder = shutil.copytree(extractor_dir, tmp_path / "extractor")
    card_path = folder / "model_card.json"
    extractor_id = Extractor.load(folder, device="cpu").extractor_id
    evaluation = tmp_path / "eval.json"
    evaluation.write_text(json.dumps({"extractor_id": extractor_id, "accuracy": 0.5, "closed_set": {"cllr": 0.1},
                                      "confusion": [[1]]}))
    assert main(["record", "--card", str(card_path), "--evaluation", str(evaluation), "--name", "dev",
                 "--command", "evaluate here"]) == 0
    study = tmp_path / "study.log"
    study.write_text('{"enrolled": ["a"]}\n{"enrolled": ["b"]}\n'
                     + json.dumps({"extractor_id": extractor_id, "quality": 85, "pairs": {"matched": {"auc": 0.9}}},
                                  indent=1) + "\n")
    assert main(["record", "--card", str(card_path), "--evaluation", str(study), "--name", "dev",
                 "--part", "jpeg_probes", "--command", "study here"]) == 0
    figures = Extractor.load(folder, device="cpu").card.extra["figures"]["dev"]  # still sealed
    assert figures["accuracy"] == 0.5 and figures["closed_set"] == {"cllr": 0.1} and "confusion" not in figures
    assert figures["jpeg_probes"] == {"command": "study here", "quality": 85, "pairs": {"matched": {"auc": 0.9}}}
    evaluation.write_text(json.dumps({"extractor_id": extractor_id, "accuracy": 0.6}))  # evaluated again
    assert main(["record", "--card", str(card_path), "--evaluation", str(evaluation), "--name", "dev",
                 "--command", "again"]) == 0
    figures = Extractor.load(folder, device="cpu").card.extra["figures"]["dev"]
    assert figures["accuracy"] == 0.6 and "closed_set" not in figures and figures["jpeg_probes"]["quality"] == 85
    evaluation.write_text(json.dumps({"extractor_id": "other", "accuracy": 0.9}))
    assert main(["record", "--card", str(card_path), "--evaluation", str(evaluation), "--name", "dev",
                 "--command", "x"]) == 2
    assert "made with extractor other" in capsys.readouterr().err
    assert Extractor.load(folder, device="cpu").card.extra["figures"]["dev"]["accuracy"] == 0.6  # unchanged
