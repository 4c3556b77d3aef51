"""The report's figures: which images get a spectrum, the spectra themselves, and the map.

Figures are drawn with matplotlib's object API (never pyplot), so the report can be
written from a worker thread.  A spectrum is drawn from the evidence decoded again, and
only while the file still holds the bytes that were analysed.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from forensics_app.core.case import CaseItem
from forensics_app.core.evidence import EvidenceError, open_evidence
from forensics_app.core.fingerprint.preprocess import PreprocessConfig, azimuthal_profile, display_spectrum
from forensics_app.core.report.checks import FAILED, NOT_RUN, RAN, UNCHANGED, Check, FileCheck, evidence_path
from forensics_app.core.report.grouping import UNGROUPED, Analysis
from forensics_app.core.vectors import normalise

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: More images than this and the report draws one spectrum per cluster, not per image.
FIGURE_LIMIT = 24
#: Points on the map are labelled with their exhibit id up to this many images.
MAP_LABEL_LIMIT = 60
#: The map has a legend of its groups up to this many (as many as it has distinct colours).
MAP_LEGEND_LIMIT = 10
#: Marker shapes of the map's groups, so that groups differ in greyscale print too.
MAP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


@dataclass(frozen=True)
class SpectrumFigure:
    exhibit: str
    png: bytes | None  # None when the spectrum could not be drawn; `problem` says why
    caption: str
    problem: str = ""


def representatives(analysis: Analysis, limit: int = FIGURE_LIMIT) -> tuple[list[tuple[CaseItem, str]], str]:
    """The images whose spectrum is drawn, each with why, and a note on what was left out.

    Up to `limit` images all are drawn.  Beyond, one per stored group: the member closest
    to its group's mean fingerprint, largest groups first, at most `limit` groups.
    """
    items, labels = analysis.items, analysis.labels
    if len(items) <= limit:
        return [(item, "") for item in items], ""
    if labels is None:
        return [(item, "") for item in items[:limit]], f"The first {limit} of {len(items)} fingerprinted images are shown."
    counts = Counter(label for label in labels.tolist() if label != UNGROUPED)
    groups = sorted(counts, key=lambda label: (-counts[label], label))
    unit = normalise(analysis.embeddings)
    chosen = []
    for label in groups[:limit]:
        members = np.flatnonzero(labels == label)
        centre = unit[members].mean(axis=0)
        best = members[int(np.argmax(unit[members] @ centre))]
        chosen.append((items[best], f"representative of group {label} ({len(members)} image(s))"))
    note = (f"With {len(items)} fingerprinted images, one representative per group is shown: the member whose "
            "fingerprint is closest to its group's mean.")
    if len(groups) > limit:
        note += f" Only the {limit} largest of {len(groups)} groups are shown."
    if analysis.ungrouped:
        note += f" The {len(analysis.ungrouped)} image(s) that belong to no stored group are not shown."
    return chosen, note


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, drawn without pyplot (safe on a worker thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def spectrum_png(pixels: np.ndarray, config: PreprocessConfig) -> bytes:
    """The residual spectrum (left) and its mean over rings of equal frequency (right)."""
    from matplotlib.figure import Figure

    spectrum = display_spectrum(pixels, config)
    figure = Figure(figsize=(7.0, 2.2), dpi=110, layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[1, 2.4])
    left.imshow(spectrum, cmap="magma", interpolation="nearest")
    left.set_axis_off()
    left.set_title("residual spectrum (log magnitude)", fontsize=7)
    right.plot(azimuthal_profile(spectrum), linewidth=1.0, color="black")
    right.set_xlabel("frequency radius (cycles per crop)", fontsize=7)
    right.set_ylabel("mean log magnitude", fontsize=7)
    right.tick_params(labelsize=6)
    right.grid(alpha=0.3)
    return png_bytes(figure)


def map_png(coords: np.ndarray, labels: np.ndarray | None, exhibits: Sequence[str]) -> bytes:
    """The t-SNE map, one point per image; each stored group has its own marker shape as well
    as its own colour, so the groups stay apart in greyscale; labelled when few."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.4), dpi=110, layout="constrained")
    axes = figure.subplots()
    labels = np.full(len(coords), UNGROUPED) if labels is None else np.asarray(labels)
    palette = colormaps["tab10"]
    present = sorted(set(labels.tolist()))
    for label in present:
        members = labels == label
        if label == UNGROUPED:
            style = {"marker": "x", "color": "#555555", "linewidths": 0.8}
            name = "no group"
        else:
            style = {"marker": MAP_MARKERS[label % len(MAP_MARKERS)], "color": palette((label % 10) / 9),
                     "edgecolors": "black", "linewidths": 0.4}
            name = f"group {label}"
        axes.scatter(coords[members, 0], coords[members, 1], s=24, label=name, **style)
    if 1 < len(present) <= MAP_LEGEND_LIMIT:
        axes.legend(fontsize=6, loc="best", frameon=False)
    if len(coords) <= MAP_LABEL_LIMIT:
        for (x, y), exhibit in zip(coords, exhibits):
            axes.annotate(exhibit, (x, y), fontsize=5.5, xytext=(3, 3), textcoords="offset points")
    axes.set_xticks([])
    axes.set_yticks([])
    return png_bytes(figure)


def spectrum_figure(item: CaseItem, why: str, file_check: FileCheck, config: PreprocessConfig,
                    max_pixels: int) -> SpectrumFigure:
    """Decode the evidence again (only if still unchanged) and draw its spectrum."""
    name = Path(evidence_path(item)).name
    caption = (f"{item.exhibit} ({name}){', ' + why if why else ''}: log-magnitude spectrum of the noise residual, averaged "
               f"over {config.crops_per_image} crop(s) of {config.crop_size} px (left), and its mean over rings of equal "
               "frequency (right). Isolated bright points or peaks away from the centre can be periodic traces of a "
               "generator's upsampling; a bright cross along the axes comes from the crop edges and appears in every "
               "image. The extractor compares such patterns, not the picture.")
    if file_check.status != UNCHANGED:
        return SpectrumFigure(item.exhibit, None, caption, f"not drawn: the file is {file_check.status}")
    try:
        evidence = open_evidence(evidence_path(item), max_pixels=max_pixels)
    except EvidenceError as exc:
        return SpectrumFigure(item.exhibit, None, caption, f"not drawn: {exc.reason}")
    if evidence.sha256 != item.sha256:
        return SpectrumFigure(item.exhibit, None, caption, "not drawn: the file changed while the report was written")
    return SpectrumFigure(item.exhibit, spectrum_png(evidence.pixels, config), caption)


def figure_check(figures: Sequence[SpectrumFigure]) -> Check:
    """The spectrum figures as a check: ran when at least one was drawn."""
    name = "Spectrum figures"
    if not figures:
        return Check(name, NOT_RUN, "no fingerprinted image")
    drawn = sum(1 for figure in figures if figure.png is not None)
    status = RAN if drawn else FAILED
    return Check(name, status, f"{drawn} of {len(figures)} drawn" + ("" if drawn == len(figures) else "; see the figures section"))
