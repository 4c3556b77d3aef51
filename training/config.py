"""Training recipes: one JSON file per recipe in `training/configs/`.

A recipe names everything that decides the weights, so the model card can quote it
whole and anyone can re-run it: the architecture space, how many synthetic models and
how they are trained, the photos, the network, the optimiser and the schedule.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from forensics_app.core.decision.conditions import QUALITY_LADDER

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


# Every setting that changes which synthetic models exist, their weights or the images they
# render: a run folder's cached models and banks are valid for these values only.
RENDER_SETTINGS = (
    "seed", "space", "architectures", "heldout_architectures", "seeds_per_architecture", "heldout_seeds",
    "synth_steps", "synth_batch", "synth_size", "synth_lr", "eta", "bank_images", "render_size",
    "shared_photos", "overlay_strength", "photo_folders", "include_skimage_photos",
)
SETTINGS_FILE = "render_settings.json"


@dataclass
class TrainConfig:
    name: str = "custom"
    seed: int = 0
    # architecture space and synthetic models
    space: str = "paper"  # "paper" (288 architectures) or "extended"
    architectures: int = 288  # architectures used for training (sampled when fewer than the space)
    heldout_architectures: int = 24  # never seen in training: validation and calibration
    seeds_per_architecture: int = 2
    heldout_seeds: int = 1  # extra seeds of the training architectures, for validation
    synth_steps: int = 40
    synth_batch: int = 8
    synth_size: int = 64
    synth_lr: float = 1e-3
    eta: float = 0.005
    bank_images: int = 16  # images rendered per synthetic model
    render_size: int = 128  # side of the rendered images; above crop_size leaves room for rescaling
    shared_photos: int = 0  # > 0: every model renders from one pool of this many crops
    # (low, high): lay each output over its photo as a pattern of this std ([-1, 1] units)
    overlay_strength: tuple[float, float] | None = None
    # photographs
    photo_folders: list[str] = field(default_factory=list)
    include_skimage_photos: bool = True
    # JPEG qualities the background population is also fingerprinted at (matched
    # conditions); None: the whole matching ladder
    background_qualities: tuple[int, ...] | None = None
    # post-processing after the synthetic model
    jpeg_probability: float = 0.3
    jpeg_quality: tuple[int, int] = (70, 100)
    jpeg_again_probability: float = 0.0  # of the compressed images, the share compressed twice
    resize_probability: float = 0.0
    resize_scale: tuple[float, float] = (0.75, 1.5)
    # extractor
    network: dict = field(default_factory=lambda: {"backbone": "resnet_small", "base_width": 16, "embedding_dim": 128})
    crop_size: int = 128
    representation: str = "spectrum"  # the network's input; see PreprocessConfig
    # an extractor folder (weights + card) to continue from instead of random weights
    init_from: str | None = None
    # optimisation
    epochs: int = 4
    steps_per_epoch: int = 250
    models_per_batch: int = 16  # P
    images_per_model: int = 4  # K
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 50
    triplet_margin: float = 0.3
    classifier_scale: float = 16.0
    triplet_weight: float = 1.0
    validation_refs: int = 5
    threads: int = 0  # torch threads; 0 keeps torch's default

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    def to_dict(self) -> dict:
        data = asdict(self)
        data["jpeg_quality"] = list(self.jpeg_quality)
        data["resize_scale"] = list(self.resize_scale)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown training settings: {sorted(unknown)}")
        values = dict(data)
        for key in ("jpeg_quality", "resize_scale", "overlay_strength", "background_qualities"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        off_ladder = sorted(set(values.get("background_qualities") or ()) - set(QUALITY_LADDER))
        if off_ladder:  # probes snap to the ladder, so a quality off it would never be looked up
            raise ValueError(f"background_qualities must lie on the matching ladder {list(QUALITY_LADDER)}, "
                             f"not {off_ladder}")
        return cls(**values)


def load_config(name_or_path: str, overrides: dict | None = None) -> TrainConfig:
    """A recipe by name (`cpu`, `paper`, `tiny`) or by path, with optional overrides."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.json"
    if not path.is_file():
        known = sorted(p.stem for p in CONFIG_DIR.glob("*.json"))
        raise FileNotFoundError(f"no training recipe {name_or_path!r}; known recipes: {known}")
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(overrides or {})
    return TrainConfig.from_dict(data)
