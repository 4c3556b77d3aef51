"""Labels for the map that stay readable: points drawn on top of each other share one label.

t-SNE often packs the images of one source into a spot smaller than a label, and forty
labels printed over one another read as a black smudge.  Points closer than a small
fraction of the map's extent are gathered into one spot, labelled once with its exhibits
in short form ("E0001-E0010", or the first few and how many more).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

#: Points closer than this fraction of the map's larger extent share a label.
SPOT_FRACTION = 0.06
#: Runs of exhibit ids written out in one label before the rest is counted.
RUNS_SHOWN = 2


def spots(coords: np.ndarray, fraction: float = SPOT_FRACTION) -> list[list[int]]:
    """Indices of the points grouped into spots, each within `fraction` of the extent of its
    spot's first point; in the order of their first member."""
    coords = np.asarray(coords, dtype=np.float64)
    if not len(coords):
        return []
    extent = float(np.ptp(coords, axis=0).max()) or 1.0
    radius = fraction * extent
    found: list[list[int]] = []
    centres: list[np.ndarray] = []
    for index, point in enumerate(coords):
        near = next((k for k, centre in enumerate(centres) if np.hypot(*(point - centre)) <= radius), None)
        if near is None:
            found.append([index])
            centres.append(point)
        else:
            found[near].append(index)
    return found


def compact_ids(exhibits: Sequence[str]) -> str:
    """'E0001-E0004, E0009' for ids with a number at the end; the rest counted past a few runs."""
    numbered = sorted(exhibits, key=_number)
    runs: list[list[str]] = []
    for exhibit in numbered:
        if runs and _number(exhibit)[1] == _number(runs[-1][-1])[1] + 1 and _number(exhibit)[0] == _number(runs[-1][-1])[0]:
            runs[-1].append(exhibit)
        else:
            runs.append([exhibit])
    words = [run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs]
    if len(words) > RUNS_SHOWN + 1:
        rest = sum(len(run) for run in runs[RUNS_SHOWN:])
        words = words[:RUNS_SHOWN] + [f"+{rest} more"]
    return ", ".join(words)


def _number(exhibit: str) -> tuple[str, int]:
    match = re.match(r"(.*?)(\d+)$", exhibit)
    return (match.group(1), int(match.group(2))) if match else (exhibit, -1)
