"""The analyst's settings, kept in QSettings so they survive a restart.

QSettings hands back strings from INI files and native types from the registry, so
every value is read through one typed accessor and checked; a damaged or foreign value
falls back to the default instead of breaking start-up.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, NAMING_LEVELS

#: Versioned with the evidence table's column order: a state saved for another order would misplace widths.
TABLE_HEADER_KEY = "main_window/table_header_v2"

DEVICES = ("auto", "cpu", "gpu")
DEVICE_LABELS = {"auto": "Automatic (GPU when available)", "cpu": "CPU", "gpu": "GPU"}
CROPS = (9, 1)
MAX_RECENT = 8


@dataclass(frozen=True)
class Preferences:
    device: str = "auto"  # one of DEVICES
    naming_lr: float | None = None  # LR a generator must reach to be named; None: the program's default
    crops: int = 9  # crops per image: 9 (3 x 3 grid, the method's protocol) or 1 (centre)
    perplexity: float = 30.0  # t-SNE perplexity

    def with_(self, **changes) -> "Preferences":
        return dataclasses.replace(self, **changes)


def _read(settings: QSettings, key: str, kind: type, default):
    value = settings.value(key, None)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        return default


def load_preferences(settings: QSettings) -> Preferences:
    """The saved settings; a naming level off the offered scale, or the default's own value,
    reads as the default.  The similarity threshold of earlier versions is not carried
    over: a cosine similarity is not a likelihood ratio, and guessing one would set a
    level the analyst never chose."""
    device = str(_read(settings, "analysis/device", str, "auto")).lower()
    naming = _read(settings, "analysis/naming_lr", float, None)
    crops = _read(settings, "analysis/crops", int, 9)
    perplexity = _read(settings, "analysis/perplexity", float, 30.0)
    return Preferences(
        device=device if device in DEVICES else "auto",
        naming_lr=naming if naming in NAMING_LEVELS and naming != DEFAULT_NAMING_LR else None,
        crops=crops if crops in CROPS else 9,
        perplexity=perplexity if 2.0 <= perplexity <= 100.0 else 30.0,
    )


def save_preferences(settings: QSettings, preferences: Preferences) -> None:
    settings.setValue("analysis/device", preferences.device)
    settings.setValue("analysis/naming_lr", "" if preferences.naming_lr is None else preferences.naming_lr)
    settings.remove("analysis/threshold")  # the similarity threshold of earlier versions
    settings.setValue("analysis/crops", preferences.crops)
    settings.setValue("analysis/perplexity", preferences.perplexity)
    settings.sync()


def torch_device(device: str) -> str:
    """The preference as `Extractor.load` understands it: GPU is CUDA, or Apple's MPS."""
    if device != "gpu":
        return device
    import torch

    if not torch.cuda.is_available() and getattr(torch.backends, "mps", None) is not None \
            and torch.backends.mps.is_available():
        return "mps"
    return "cuda"


def recent_cases(settings: QSettings) -> list[str]:
    value = settings.value("cases/recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def remember_case(settings: QSettings, path: str) -> list[str]:
    paths = [path] + [p for p in recent_cases(settings) if p != path]
    settings.setValue("cases/recent", paths[:MAX_RECENT])
    return paths[:MAX_RECENT]


def forget_case(settings: QSettings, path: str | None = None) -> list[str]:
    """Drop one recent case (a file that went missing), or all of them."""
    paths = [] if path is None else [p for p in recent_cases(settings) if p != path]
    settings.setValue("cases/recent", paths)
    return paths


def last_folder(settings: QSettings) -> str:
    """Where the analyst last took files from (the home folder before any): file dialogs start there."""
    return str(settings.value("paths/last_folder", str(Path.home())))


def remember_folder(settings: QSettings, path: str | Path) -> None:
    path = Path(path)
    settings.setValue("paths/last_folder", str(path if path.is_dir() else path.parent))
