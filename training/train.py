"""Extractor training on synthetic generative models alone.

Stages, each cached in the run folder so an interrupted run resumes where it stopped:
1. plan: which (architecture, seed) models train the extractor and which are held out
   (unseen seeds of training architectures; architectures never seen at all);
2. synthesis: every model is trained to reconstruct real photos (training/synthesis.py);
3. banks: each model renders `bank_images` images at crop size from fresh photos,
   quantised to 8 bits like any saved generator output;
4. extractor: batches of P models x K images, post-processed (JPEG) at random, then the
   one fingerprint preprocessing and network of `forensics_app`; cosine-softmax
   cross-entropy over model ids plus batch-hard triplet loss; AdamW, warm-up then cosine;
   validation on the held-out models after every epoch; checkpoint after every epoch;
5. export: weights and model card, with the open-set calibration fitted on the held-out
   architectures, so the decision threshold travels with the weights.

Multi-GPU or multi-process: run under `torchrun`; each process takes its share of the
P models of every batch and DistributedDataParallel averages the gradients, which is the
same update as one process accumulating over the same shares (`shards`).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from forensics_app.core.validation import evaluation
from forensics_app.core.fingerprint.extractor import Extractor, write_extractor
from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig
from forensics_app.core.fingerprint.preprocess import PreprocessConfig, network_input
from training.architectures import EXTENDED_FACTORS, PAPER_FACTORS, Architecture, enumerate_space, sample_architectures
from training.config import RENDER_SETTINGS, SETTINGS_FILE, TrainConfig
from training.data import PhotoPool, PostProcess, overlay_at_random, quantise
from training.synthesis import load_model, synthesize

SPACES = {"paper": PAPER_FACTORS, "extended": EXTENDED_FACTORS}
Spec = tuple[Architecture, int]


def log(message: str) -> None:
    if int(os.environ.get("RANK", "0")) == 0:
        print(message, flush=True)


# --- plan -----------------------------------------------------------------------------


@dataclass
class ModelPlan:
    train: list[Spec]
    unseen_seeds: list[Spec]
    unseen_architectures: list[Spec]


def plan_models(config: TrainConfig) -> ModelPlan:
    """Deterministic split of the space into training and held-out models."""
    factors = SPACES[config.space]
    rng = np.random.default_rng(config.seed)
    needed = config.architectures + config.heldout_architectures
    if config.space == "paper":
        space = enumerate_space(factors)
        chosen = [space[i] for i in rng.permutation(len(space))][:needed]
    else:
        chosen = sample_architectures(factors, needed, rng)
    heldout = chosen[: config.heldout_architectures]
    train_archs = chosen[config.heldout_architectures :]
    seeds = range(config.seeds_per_architecture)
    extra_seeds = range(config.seeds_per_architecture, config.seeds_per_architecture + config.heldout_seeds)
    return ModelPlan(
        train=[(arch, seed) for arch in train_archs for seed in seeds],
        unseen_seeds=[(arch, seed) for arch in train_archs[: max(8, config.heldout_architectures)] for seed in extra_seeds],
        unseen_architectures=[(arch, 0) for arch in heldout],
    )


# --- synthesis and banks ---------------------------------------------------------------


def photo_batches(pool: PhotoPool, config: TrainConfig):
    """The photo batch of every synthesis step, the same for every model (deterministic)."""

    def next_batch(step: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
        return pool.sample(config.synth_batch, config.synth_size, generator)

    return next_batch


def render_bank(
    specs: list[Spec], cache_dir: Path, pool: PhotoPool, config: TrainConfig, salt: int, device: torch.device
) -> np.ndarray:
    """(models, bank_images, 3, size, size) uint8: what each synthetic model generates."""
    size = config.render_size
    bank = np.empty((len(specs), config.bank_images, 3, size, size), dtype=np.uint8)
    shared = None
    if config.shared_photos:
        # one pool of crops for every model: content then says nothing about which model
        # made an image, and the extractor must learn the trace instead
        shared = pool.sample(config.shared_photos, size, torch.Generator().manual_seed((config.seed + 1) * 7919 + salt))
    with torch.inference_mode():
        for index, (arch, seed) in enumerate(specs):
            model = load_model(arch, seed, cache_dir).to(device)
            generator = torch.Generator().manual_seed((config.seed + 1) * 7919 + salt * 100_003 + index)
            if shared is None:
                photos = pool.sample(config.bank_images, size, generator)
            else:
                photos = shared[torch.randperm(len(shared), generator=generator)[: config.bank_images]]
            photos = photos.to(device)
            output = model(photos)
            if config.overlay_strength:
                output = overlay_at_random(photos, output, config.overlay_strength, generator)
            bank[index] = quantise(output).cpu().numpy()
    return bank


def cached_bank(path: Path, make) -> np.ndarray:
    if path.is_file():
        return np.load(path)
    bank = make()
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, bank)
    os.replace(tmp, path)
    return bank


# --- losses ---------------------------------------------------------------------------


class CosineClassifier(nn.Module):
    """Softmax over scaled cosine similarities to one learnt direction per model id."""

    def __init__(self, dim: int, classes: int, scale: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, dim) * 0.01)
        self.scale = scale

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.scale * F.normalize(embeddings, dim=-1) @ F.normalize(self.weight, dim=-1).T


def batch_hard_triplet(embeddings: torch.Tensor, labels: torch.Tensor, margin: float) -> torch.Tensor:
    """For every anchor, its farthest positive against its closest negative."""
    unit = F.normalize(embeddings, dim=-1)
    distance = torch.cdist(unit, unit)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    hardest_positive = distance.masked_fill(~same | eye, float("-inf")).amax(dim=1)
    hardest_negative = distance.masked_fill(same, float("inf")).amin(dim=1)
    valid = torch.isfinite(hardest_positive) & torch.isfinite(hardest_negative)
    losses = F.relu(hardest_positive - hardest_negative + margin)
    return losses[valid].mean() if valid.any() else embeddings.sum() * 0.0


class TrainingModel(nn.Module):
    """The extractor with its training-only classifier head, wrapped together for DDP."""

    def __init__(self, network: FingerprintNet, classes: int, scale: float) -> None:
        super().__init__()
        self.network = network
        self.classifier = CosineClassifier(network.config.embedding_dim, classes, scale)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embeddings = self.network(x)
        return embeddings, self.classifier(embeddings)


# --- batches --------------------------------------------------------------------------


def batch_shards(step: int, config: TrainConfig, models: int, shards: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The global batch of a step, split by model into `shards` parts: (model ids, image ids)."""
    rng = np.random.default_rng([config.seed, step])
    chosen = rng.choice(models, size=min(config.models_per_batch, models), replace=False)
    images = np.stack([rng.choice(config.bank_images, size=config.images_per_model, replace=False) for _ in chosen])
    return [(m, i) for m, i in zip(np.array_split(chosen, shards), np.array_split(images, shards))]


def shard_tensors(
    bank: np.ndarray, shard: tuple[np.ndarray, np.ndarray], post: PostProcess, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    model_ids, image_ids = shard
    crops = torch.from_numpy(bank[model_ids[:, None], image_ids].reshape(-1, *bank.shape[2:]))
    labels = torch.from_numpy(np.repeat(model_ids, image_ids.shape[1])).long()
    return post(crops, rng), labels


def shard_loss(model: nn.Module, crops: torch.Tensor, labels: torch.Tensor, config: TrainConfig, device) -> dict:
    x = network_input(crops.to(device), config.representation)
    if device.type == "cuda":
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        embeddings, logits = model(x)
    labels = labels.to(device)
    ce = F.cross_entropy(logits.float(), labels)
    triplet = batch_hard_triplet(embeddings.float(), labels, config.triplet_margin)
    return {"loss": ce + config.triplet_weight * triplet, "ce": ce, "triplet": triplet}


def lr_factor(step: int, config: TrainConfig) -> float:
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.total_steps - config.warmup_steps)
    return 0.5 * (1.0 + np.cos(np.pi * min(1.0, progress)))


# --- validation -----------------------------------------------------------------------


def embed_bank(
    network: FingerprintNet, bank: np.ndarray, device, crop_size: int, representation: str = "spectrum", chunk: int = 64
) -> np.ndarray:
    """One embedding per bank image (its centre crop), in eval mode."""
    network.eval()
    crops = torch.from_numpy(bank.reshape(-1, *bank.shape[2:]))
    offset = (crops.shape[-1] - crop_size) // 2
    crops = crops[..., offset : offset + crop_size, offset : offset + crop_size].contiguous()
    with torch.inference_mode():
        out = [network.embed(network_input(part.to(device), representation)).cpu() for part in crops.split(chunk)]
    network.train()
    return torch.cat(out).numpy()


def validate(network: FingerprintNet, banks: dict[str, np.ndarray], config: TrainConfig, device) -> dict:
    figures = {}
    for name, bank in banks.items():
        embeddings = embed_bank(network, bank, device, config.crop_size, config.representation)
        labels = np.repeat(np.arange(bank.shape[0]), bank.shape[1])
        result = evaluation.identification(embeddings, labels, refs=config.validation_refs, seeds=3)
        figures[name] = {
            "accuracy": round(result.accuracy, 4),
            "auc": round(evaluation.verification_auc(embeddings, labels), 4),
        }
    return figures


# --- the run --------------------------------------------------------------------------


def start_from_extractor(model: TrainingModel, directory: Path, bank: np.ndarray, config: TrainConfig,
                         device) -> dict:
    """Continue from exported weights instead of random ones.

    The classifier head is not part of an extractor, so each model id's direction starts
    at that model's mean embedding under the loaded weights: the first steps then refine
    the fingerprint instead of chasing a random head with large gradients.  Returns what
    the model card records about the starting weights.
    """
    extractor = Extractor.load(Path(directory), device="cpu")
    wanted = NetworkConfig.from_dict(config.network)
    if extractor.card.network != wanted:
        raise ValueError(f"{directory} holds a {extractor.card.network} network; the recipe builds {wanted}")
    model.network.load_state_dict(extractor.network.state_dict())
    per_model = min(4, bank.shape[1])
    embeddings = embed_bank(model.network, bank[:, :per_model], device, config.crop_size, config.representation)
    means = torch.from_numpy(embeddings).view(bank.shape[0], per_model, -1).mean(dim=1)
    with torch.no_grad():
        model.classifier.weight.copy_(F.normalize(means, dim=-1))
    log(f"starting from extractor {extractor.extractor_id} in {directory}")
    # the starting weights' own training record, so the card tells the whole lineage
    return {"extractor_id": extractor.extractor_id, "sha256": extractor.card.sha256, "folder": str(directory),
            "training": extractor.card.extra.get("training")}


def setup_distributed() -> tuple[int, int, torch.device]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def every_tenth(report):
    """A progress callback that passes on only each new tenth of the way."""
    last = [-1]

    def progress(done: int, total: int) -> None:
        tenth = done * 10 // max(1, total)
        if tenth > last[0]:
            last[0] = tenth
            report(done, total)

    return progress


def check_run_folder(config: TrainConfig, out_dir: Path) -> None:
    """Refuse to reuse a run folder whose models or banks were made under other settings.

    The caches are keyed by file name, not by recipe, so without this a changed setting
    (say, an overlay strength) would silently train on the old banks and resume the old
    checkpoint.  Nothing is deleted: the message says what differs and what to do.
    """
    wanted = {key: value for key, value in config.to_dict().items() if key in RENDER_SETTINGS}
    wanted = json.loads(json.dumps(wanted))  # tuples as lists, as they read back
    path = out_dir / SETTINGS_FILE
    if path.is_file():
        recorded = json.loads(path.read_text(encoding="utf-8"))
        differing = sorted(key for key in set(wanted) | set(recorded) if wanted.get(key) != recorded.get(key))
        if differing:
            changes = "; ".join(f"{key}: {recorded.get(key)!r} -> {wanted.get(key)!r}" for key in differing)
            raise ValueError(
                f"{out_dir} holds synthetic models and banks made with other settings ({changes}); "
                "train into a new --out folder, or delete that folder to start it again"
            )
        return
    made = [out_dir / name for name in ("banks", "synthetic-models", "checkpoint.pt") if (out_dir / name).exists()]
    if any(p.is_file() or any(p.iterdir()) for p in made):
        raise ValueError(
            f"{out_dir} holds a run whose settings were not recorded ({SETTINGS_FILE} is missing), so it "
            "cannot be checked against this recipe; train into a new --out folder"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(wanted, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def prepare_models(config: TrainConfig, out_dir: Path, device: torch.device) -> tuple[ModelPlan, dict[str, np.ndarray]]:
    """Plan, synthesise and render every model (rank 0 only writes; others wait)."""
    plan = plan_models(config)
    rank = int(os.environ.get("RANK", "0"))
    if rank == 0:
        check_run_folder(config, out_dir)
    cache_dir = out_dir / "synthetic-models"
    bank_dir = out_dir / "banks"
    bank_dir.mkdir(parents=True, exist_ok=True)
    sets = {"train": plan.train, "unseen_seeds": plan.unseen_seeds, "unseen_architectures": plan.unseen_architectures}
    if rank == 0 and not all((bank_dir / f"{name}.npy").is_file() for name in sets):
        pool = PhotoPool.from_folders(config.photo_folders, include_skimage=config.include_skimage_photos)
        log(f"photos: {len(pool)} from {config.photo_folders or []} (+ scikit-image samples: {config.include_skimage_photos})")
        every = plan.train + plan.unseen_seeds + plan.unseen_architectures
        started = time.time()
        # stacking the models of one architecture pays on a GPU; on a CPU one model at a
        # time is faster (benchmarks/synthesis_speed.py), so the choice follows the device
        synthesize(
            every, photo_batches(pool, config), config.synth_steps, cache_dir,
            eta=config.eta, lr=config.synth_lr, batched=device.type == "cuda", device=device,
            progress=every_tenth(lambda done, total: log(f"synthesis {done}/{total} models, {time.time() - started:.0f} s")),
        )
        for salt, (name, specs) in enumerate(sets.items()):
            cached_bank(bank_dir / f"{name}.npy", lambda: render_bank(specs, cache_dir, pool, config, salt, device))
            log(f"bank {name}: {len(specs)} models x {config.bank_images} images")
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
    return plan, {name: np.load(bank_dir / f"{name}.npy") for name in sets}


def train(config: TrainConfig, out_dir: Path, shards: int = 1, max_steps: int | None = None) -> dict:
    """Run (or resume) a recipe in `out_dir`; returns the summary written to the card."""
    if config.threads:
        torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rank, world, device = setup_distributed()
    started = time.time()
    plan, banks = prepare_models(config, out_dir, device)
    train_bank = banks.pop("train")
    torch.manual_seed(config.seed)
    network = FingerprintNet(NetworkConfig.from_dict(config.network))
    model = TrainingModel(network, train_bank.shape[0], config.classifier_scale).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    checkpoint_path = out_dir / "checkpoint.pt"
    history: list[dict] = []
    step = 0
    initial: dict | None = None
    if checkpoint_path.is_file():
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step, history = state["step"], state["history"]
        initial = state.get("initial_weights")
        log(f"resumed at step {step}")
    elif config.init_from:
        initial = start_from_extractor(model, Path(config.init_from), train_bank, config, device)
    wrapped: nn.Module = model
    if world > 1:
        wrapped = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    post = PostProcess(out_size=config.crop_size, jpeg_probability=config.jpeg_probability,
                       jpeg_quality=config.jpeg_quality, jpeg_again_probability=config.jpeg_again_probability,
                       resize_probability=config.resize_probability,
                       resize_scale=config.resize_scale)
    total = config.total_steps if max_steps is None else min(config.total_steps, max_steps)
    parts = max(shards, world)
    mine = [rank] if world > 1 else list(range(parts))
    losses_since: list[dict] = []
    tick, tick_step = time.time(), step
    model.train()
    while step < total:
        for group in optimiser.param_groups:
            group["lr"] = config.lr * lr_factor(step, config)
        all_shards = batch_shards(step, config, train_bank.shape[0], parts)
        record = {"loss": 0.0, "ce": 0.0, "triplet": 0.0}
        for index in mine:
            crops, labels = shard_tensors(train_bank, all_shards[index], post, np.random.default_rng([config.seed, step, index]))
            parts_loss = shard_loss(wrapped, crops, labels, config, device)
            (parts_loss["loss"] / len(mine)).backward()
            for key in record:
                record[key] += float(parts_loss[key].detach()) / len(mine)
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        step += 1
        if world > 1:  # every process logs the mean over all shares, as one process would
            values = torch.tensor([record["loss"], record["ce"], record["triplet"]], dtype=torch.float64)
            torch.distributed.all_reduce(values)
            record.update(zip(("loss", "ce", "triplet"), (values / world).tolist()))
        record["step"] = step
        losses_since.append(record)
        if rank == 0:
            with open(out_dir / "losses.jsonl", "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        if step % 25 == 0 or step == total:
            rate = (step - tick_step) / max(1e-9, time.time() - tick)
            mean = {k: np.mean([r[k] for r in losses_since]) for k in ("loss", "ce", "triplet")}
            eta = (total - step) / max(rate, 1e-9)
            log(f"step {step}/{total} loss {mean['loss']:.4f} (ce {mean['ce']:.4f} triplet {mean['triplet']:.4f}) "
                f"{rate:.2f} steps/s, ETA {eta / 60:.1f} min")
            losses_since.clear()
        if step % config.steps_per_epoch == 0 or step == total:
            figures = validate(model.network, banks, config, device) if rank == 0 else {}
            history.append({"step": step, "loss": record["loss"], "validation": figures, "elapsed_s": round(time.time() - started, 1)})
            log(f"epoch at step {step}: held-out {json.dumps(figures)}")
            if rank == 0:
                with open(out_dir / "log.jsonl", "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(history[-1]) + "\n")
                tmp = checkpoint_path.with_suffix(".tmp")
                torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                            "history": history, "config": config.to_dict(), "initial_weights": initial}, tmp)
                os.replace(tmp, checkpoint_path)
    summary = {"steps": step, "history": history, "train_models": len(plan.train),
               "training_seconds": round(time.time() - started, 1), "world_size": world, "device": str(device),
               "initial_weights": initial}
    if rank == 0:
        summary["heldout"] = validate(model.network, banks, config, device)
    return summary


def export(config: TrainConfig, out_dir: Path, summary: dict, command: str, destination: Path | None = None):
    """Write weights and model card, calibrated on the never-seen architectures."""
    device = torch.device("cpu")
    state = torch.load(Path(out_dir) / "checkpoint.pt", map_location=device, weights_only=False)
    network = FingerprintNet(NetworkConfig.from_dict(config.network))
    network.load_state_dict({k[len("network."):]: v for k, v in state["model"].items() if k.startswith("network.")})
    bank = np.load(Path(out_dir) / "banks" / "unseen_architectures.npy")
    embeddings = embed_bank(network, bank, device, config.crop_size, config.representation)
    labels = np.repeat(np.arange(bank.shape[0]), bank.shape[1])
    result = evaluation.identification(embeddings, labels, refs=config.validation_refs, seeds=5)
    calibration = evaluation.fit_calibration(
        result.genuine, result.impostor,
        source=f"{bank.shape[0]} synthetic architectures never seen in training, {config.validation_refs} references each",
    )
    extra = {
        "name": f"fingerprint extractor ({config.name} recipe)",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training": {
            "command": command,
            "recipe": config.to_dict(),
            "photo_sources": config.photo_folders + (["scikit-image sample photos"] if config.include_skimage_photos else []),
            "seconds": summary.get("training_seconds"),
            "steps": summary.get("steps"),
            "synthetic_models": summary.get("train_models"),
            "initial_weights": summary.get("initial_weights"),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {summary.get('device')}",
        },
        "figures": {"heldout_synthetic": summary.get("heldout", {})},
    }
    destination = Path(destination) if destination else Path(out_dir) / "extractor"
    preprocess = PreprocessConfig(crop_size=config.crop_size, representation=config.representation)
    card = write_extractor(destination, network.eval(), preprocess, calibration, extra)
    # every extractor ships the background population its likelihood ratios need
    from training.background import build_background

    folders = []
    for folder in map(Path, config.photo_folders):
        folders += sorted(p for p in folder.iterdir() if p.is_dir()) or [folder]
    from forensics_app.core.decision.conditions import QUALITY_LADDER

    build_background(destination, folders, command=f"{command} (export)",
                     qualities=QUALITY_LADDER if config.background_qualities is None else config.background_qualities)
    log(f"extractor {card.extractor_id} written to {destination}")
    return card


def command_line() -> str:
    """The command as typed, quoted so that it can be pasted into a shell again."""
    import shlex

    return " ".join(["python -m training", shlex.join(sys.argv[1:])]).rstrip()
