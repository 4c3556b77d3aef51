"""The bundled extractor: verified loading, device choice and streamed batch embedding.

The weights live in `resources/extractor/` as safetensors (no pickle, so a weights file
cannot run code) beside a JSON model card.  The card carries the SHA-256 of the weights;
a file that does not match is refused, because every conclusion the program draws is
only as trustworthy as the weights that drew it.  The extractor id (the first 12 hex
digits of that SHA-256) is stamped on every embedding, library and report.

When the card names a back-end (`backend.py`: residual statistics projected by what
was learned on a background of synthetic models and photographs), every fingerprint
joins the two streams, and the id covers the weights and the back-end together, so
references made under another back-end are refused like references of other weights.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from forensics_app.core.fingerprint.backend import Backend, BackendError, fused_extractor_id, read_backend
from forensics_app.core.fingerprint.residual_stats import central_region
from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig
from forensics_app.core.fingerprint.preprocess import PreprocessConfig, crop_grid, network_input
from forensics_app.core.progress import CancelCheck, ProgressCallback  # re-exported

CARD_NAME = "model_card.json"
WEIGHTS_NAME = "extractor.safetensors"
CARD_FORMAT = 1

T = TypeVar("T")


class ExtractorError(Exception):
    """The extractor cannot be used; the message says why and what to do."""


class WeightsMissingError(ExtractorError):
    pass


class WeightsTamperedError(ExtractorError):
    pass


class ModelCardError(ExtractorError):
    pass


class CardTamperedError(ModelCardError):
    pass


class DeviceUnavailableError(ExtractorError):
    pass


class BackendUnusableError(ExtractorError):
    pass


@dataclass(frozen=True)
class Calibration:
    """Turns a cosine similarity into a decision and a score, fitted on held-out models.

    `threshold`: below it the best match is reported as an unknown generator.
    `slope`, `intercept`: logistic map from similarity to the probability that two
    fingerprints come from the same model, measured on synthetic models never seen in
    training.  The defaults are placeholders for weights made without calibration, and
    the card says so through `source`.
    """

    threshold: float = 0.5
    slope: float = 10.0
    intercept: float = -5.0
    source: str = "uncalibrated default"

    def score(self, similarity: np.ndarray | float) -> np.ndarray | float:
        return 1.0 / (1.0 + np.exp(-(self.slope * np.asarray(similarity) + self.intercept)))

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "slope": self.slope, "intercept": self.intercept, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Calibration":
        if not data:
            return cls()
        return cls(**{k: data[k] for k in ("threshold", "slope", "intercept", "source") if k in data})


@dataclass(frozen=True)
class ModelCard:
    """What the weights are, how they were made and how well they do."""

    sha256: str
    network: NetworkConfig
    preprocess: PreprocessConfig
    calibration: Calibration = Calibration()
    weights_file: str = WEIGHTS_NAME
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def backend_entry(self) -> dict | None:
        entry = self.extra.get("backend")
        return entry if isinstance(entry, dict) else None

    @property
    def extractor_id(self) -> str:
        entry = self.backend_entry
        return fused_extractor_id(self.sha256, entry.get("sha256") if entry else None)

    @property
    def embedding_dim(self) -> int:
        """Length of a fingerprint: the learned stream's, plus the back-end's projection."""
        entry = self.backend_entry
        return self.network.embedding_dim + (int(entry.get("dimension", 0)) if entry else 0)

    def to_dict(self) -> dict:
        return {
            "format": CARD_FORMAT,
            "extractor_id": self.extractor_id,
            "sha256": self.sha256,
            "weights_file": self.weights_file,
            "network": self.network.to_dict(),
            "preprocess": self.preprocess.to_dict(),
            "calibration": self.calibration.to_dict(),
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ModelCard":
        try:
            reserved = {"format", "extractor_id", "sha256", "weights_file", "network", "preprocess", "calibration"}
            return cls(
                sha256=str(data["sha256"]).lower(),
                network=NetworkConfig.from_dict(data["network"]),
                preprocess=PreprocessConfig.from_dict(data["preprocess"]),
                calibration=Calibration.from_dict(data.get("calibration")),
                weights_file=data.get("weights_file", WEIGHTS_NAME),
                extra={k: v for k, v in data.items() if k not in reserved},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelCardError(f"the model card is incomplete or malformed ({exc!r}); reinstall the program") from exc


def card_digest(data: dict) -> str:
    """SHA-256 of everything the card says except the digest itself (canonical JSON).

    The calibration, the background population's hash and the validation figures
    change what a report concludes, so they are sealed like the weights: an edited card
    is refused instead of quietly changing conclusions under the same extractor id.
    """
    body = {key: value for key, value in data.items() if key != "integrity"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def seal_card(data: dict) -> dict:
    """The card with its integrity digest (call after every legitimate change)."""
    return {**{key: value for key, value in data.items() if key != "integrity"}, "integrity": card_digest(data)}


def write_card(directory: Path, data: dict) -> None:
    (Path(directory) / CARD_NAME).write_text(json.dumps(seal_card(data), indent=2) + "\n", encoding="utf-8")


def read_card(directory: Path) -> ModelCard:
    card_path = Path(directory) / CARD_NAME
    if not card_path.is_file():
        raise WeightsMissingError(
            f"no extractor weights are bundled yet ({card_path} not found). Train them with "
            "'python -m training train --config cpu' or point FORENSICS_APP_EXTRACTOR at a folder "
            "holding extractor.safetensors and model_card.json."
        )
    try:
        data = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelCardError(f"{card_path} is not valid JSON ({exc}); reinstall the program") from exc
    if not isinstance(data, dict):
        raise ModelCardError(f"{card_path} is not a model card; reinstall the program")
    if data.get("integrity") != card_digest(data):
        raise CardTamperedError(
            f"the model card {card_path} does not match its integrity digest: its calibration, figures or other "
            "statements were changed after the extractor was made. Reinstall the program or restore the original card."
        )
    return ModelCard.from_dict(data)


def resolve_device(requested: str = "auto") -> torch.device:
    """'auto' prefers CUDA, then Apple's MPS, then the CPU; an explicit choice must exist."""
    requested = (requested or "auto").lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested in ("cuda", "gpu"):
        if not torch.cuda.is_available():
            raise DeviceUnavailableError("a CUDA GPU was requested but none is available; use --device cpu or auto")
        return torch.device("cuda")
    if requested == "mps":
        if not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
            raise DeviceUnavailableError("Apple MPS was requested but is not available; use --device cpu or auto")
        return torch.device("mps")
    if requested == "cpu":
        return torch.device("cpu")
    raise DeviceUnavailableError(f"unknown device {requested!r}; choose auto, cpu, cuda or mps")


def write_extractor(
    directory: Path,
    network: FingerprintNet,
    preprocess: PreprocessConfig,
    calibration: Calibration = Calibration(),
    extra: dict[str, Any] | None = None,
    half: bool = True,
) -> ModelCard:
    """Save weights and card together; the card's SHA-256 is computed from the bytes written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    state = {
        k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu()).contiguous()
        for k, v in network.state_dict().items()
    }
    payload = save_safetensors(state)
    card = ModelCard(
        sha256=hashlib.sha256(payload).hexdigest(),
        network=network.config,
        preprocess=preprocess,
        calibration=calibration,
        extra=dict(extra or {}),
    )
    (directory / WEIGHTS_NAME).write_bytes(payload)
    write_card(directory, card.to_dict())
    return card


@dataclass
class EmbeddingOutcome(Generic[T]):
    """One item's fingerprint, or why it has none; `padded` when smaller than a crop."""

    item: T
    embedding: np.ndarray | None = None
    error: Exception | None = None
    padded: bool = False
    loaded: Any = None  # what the loader returned besides pixels (e.g. evidence metadata)


class Extractor:
    """The fingerprint extractor, ready to embed on its device."""

    def __init__(self, network: FingerprintNet, card: ModelCard, device: torch.device,
                 directory: Path | None = None, backend: Backend | None = None) -> None:
        self.card = card
        self.backend = backend
        self.device = device
        self.directory = Path(directory) if directory is not None else None
        self._background = None
        self.network = network.to(device).eval()
        if device.type == "cuda":
            self.network = self.network.to(memory_format=torch.channels_last)

    @classmethod
    def load(cls, directory: Path | None = None, device: str = "auto") -> "Extractor":
        from forensics_app.paths import extractor_dir

        directory = Path(directory) if directory is not None else extractor_dir()
        card = read_card(directory)
        weights_path = directory / card.weights_file
        if not weights_path.is_file():
            raise WeightsMissingError(f"the model card names {weights_path}, which does not exist; reinstall the program")
        payload = weights_path.read_bytes()
        actual = hashlib.sha256(payload).hexdigest()
        if actual != card.sha256:
            raise WeightsTamperedError(
                f"the extractor weights {weights_path} do not match their model card "
                f"(SHA-256 {actual[:12]}... found, {card.sha256[:12]}... expected); they were changed "
                "or belong to other weights. Reinstall the program or restore the original files."
            )
        network = FingerprintNet(card.network)
        try:
            state = {k: v.float() if v.is_floating_point() else v for k, v in load_safetensors(payload).items()}
            network.load_state_dict(state)
        except (RuntimeError, KeyError) as exc:
            raise ModelCardError(
                f"the weights in {weights_path} do not fit the architecture in the model card ({exc}); "
                "reinstall the program"
            ) from exc
        return cls(network, card, resolve_device(device), directory, _load_backend(directory, card))

    def background(self):
        """The background population shipped with these weights (None when the card names
        none); loaded once and verified against the card's SHA-256."""
        from forensics_app.core.background import read_background

        if self._background is None:
            entry = self.card.extra.get("background")
            if not entry or self.directory is None:
                return None
            self._background = read_background(self.directory / entry["file"], entry["sha256"], self.extractor_id,
                                               self.embedding_dim)
        return self._background

    @property
    def extractor_id(self) -> str:
        return self.card.extractor_id

    @property
    def embedding_dim(self) -> int:
        return self.card.embedding_dim

    def _autocast(self):
        if self.device.type == "cuda":
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            return torch.autocast("cuda", dtype=dtype)
        return torch.autocast("cpu", enabled=False)

    def embed_crops(self, crops: np.ndarray, crops_per_image: int) -> np.ndarray:
        """(N * crops_per_image, h, w, 3) uint8 -> (N, D) unit embeddings, crop means."""
        with torch.inference_mode(), self._autocast():
            batch = torch.from_numpy(crops).to(self.device, non_blocking=True)
            inputs = network_input(batch, self.card.preprocess.representation)
            if self.device.type == "cuda":
                inputs = inputs.contiguous(memory_format=torch.channels_last)
            per_crop = self.network.embed(inputs)
            per_image = per_crop.view(-1, crops_per_image, per_crop.shape[-1]).mean(dim=1)
            return torch.nn.functional.normalize(per_image, dim=-1).float().cpu().numpy()

    def embed_pixels(self, images: Iterable[np.ndarray], batch_images: int = 32) -> np.ndarray:
        """Embed in-memory RGB uint8 images; (N, D) float32."""
        outcomes = list(self.embed_stream(list(images), load=lambda pixels: pixels, batch_images=batch_images))
        return np.stack([o.embedding for o in outcomes]) if outcomes else np.zeros((0, self.embedding_dim), np.float32)

    def embed_stream(
        self,
        items: Iterable[T],
        load: Callable[[T], Any],
        batch_images: int = 32,
        progress: ProgressCallback | None = None,
        cancel: CancelCheck | None = None,
        total: int | None = None,
    ) -> Iterator[EmbeddingOutcome[T]]:
        """Embed items one batch at a time, yielding outcomes in input order.

        `load(item)` returns either RGB uint8 pixels or an object with a `pixels`
        attribute (kept, without its pixels, as `outcome.loaded`).  Each image is cut into
        crops as soon as it is decoded and its pixels are dropped, so memory holds at most
        one batch of crops whatever the size of the folder.  A loader exception becomes
        that item's `error` and the batch goes on.  When `cancel()` turns true the stream
        stops after the current image; everything yielded so far stays valid.
        """
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        config = self.card.preprocess
        pending: list[EmbeddingOutcome[T]] = []
        crops: list[np.ndarray] = []
        # the residual statistics are counted on a thread of their own (numpy releases the
        # GIL), beside decoding and the network, instead of after them
        statistics: list[Future] = []
        counting = ThreadPoolExecutor(max_workers=1) if self.backend is not None else None
        done = 0

        def flush() -> Iterator[EmbeddingOutcome[T]]:
            nonlocal done
            if crops:
                embeddings = self.embed_crops(np.concatenate(crops), config.crops_per_image)
                if self.backend is not None:
                    embeddings = self.backend.apply(np.stack([f.result() for f in statistics]), embeddings)
                for outcome, embedding in zip((o for o in pending if o.error is None), embeddings):
                    outcome.embedding = embedding
            for outcome in pending:
                done += 1
                yield outcome
            if progress is not None and pending:
                progress(done, total)
            pending.clear()
            crops.clear()
            statistics.clear()

        try:
            for item in items:
                if cancel is not None and cancel():
                    break
                outcome: EmbeddingOutcome[T] = EmbeddingOutcome(item)
                try:
                    loaded = load(item)
                    pixels = loaded if isinstance(loaded, np.ndarray) else loaded.pixels
                    image_crops, outcome.padded = crop_grid(pixels, config)
                    image_statistics = None
                    if counting is not None:  # a copy of the measured region, so the image itself can go
                        region = np.ascontiguousarray(central_region(pixels, self.backend.stats.region))
                        image_statistics = counting.submit(self.backend.residual_features, region)
                    if not isinstance(loaded, np.ndarray):
                        outcome.loaded = loaded.without_pixels() if hasattr(loaded, "without_pixels") else loaded
                    del loaded, pixels
                    crops.append(image_crops)
                    if image_statistics is not None:
                        statistics.append(image_statistics)
                except Exception as exc:  # every failure is reported against its item
                    outcome.error = exc
                pending.append(outcome)
                if len(crops) >= batch_images:
                    yield from flush()
            yield from flush()
        finally:
            if counting is not None:
                counting.shutdown(wait=True, cancel_futures=True)


def _load_backend(directory: Path, card: ModelCard) -> Backend | None:
    entry = card.backend_entry
    if entry is None:
        return None
    try:
        backend = read_backend(Path(directory) / str(entry.get("file", "")), str(entry.get("sha256", "")))
    except BackendError as exc:
        raise BackendUnusableError(str(exc)) from exc
    if backend.projected_dim != int(entry.get("dimension", -1)):
        raise BackendUnusableError(f"the fingerprint back-end in {directory} gives {backend.projected_dim} values where "
                                   f"the model card says {entry.get('dimension')}; reinstall the program")
    return backend
