"""The report's figures: each exhibit's thumbnail and spectrum, and the map.

Figures are drawn with matplotlib's object API (never pyplot), so the report can be
written from a worker thread.  The evidence is decoded again, once per exhibit, and only
while the file still holds the bytes that were analysed; its thumbnail and spectrum both
come from those pixels.  The spectrum is drawn as the window draws it: frequency axes in
cycles / pixel, a colour bar of standardised log |DFT|, and a colour map whose lightness rises with
the value (magma), so it reads the same printed in grey.  The spectrum itself is a small
bitmap, one pixel per frequency bin, and its axes are drawn by the layout as vector lines:
forty exhibits cost a few kilobytes and milliseconds each, not a plotting library's
figure each.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from forensics_app.core.case import CaseItem, ReferencePoints
from forensics_app.core.evidence import EvidenceError, open_evidence
from forensics_app.core.fingerprint.preprocess import PreprocessConfig, readable_spectrum
from forensics_app.core.report.checks import FAILED, NOT_RUN, RAN, UNCHANGED, Check, FileCheck, evidence_path
from forensics_app.core.report.grouping import UNGROUPED, Analysis
from forensics_app.core.report.map_labels import compact_ids, spots
from forensics_app.core.report.thumbnails import thumbnail_jpeg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Points on the map are labelled with their exhibit id up to this many images.
MAP_LABEL_LIMIT = 60
#: The map has a legend of its groups up to this many (as many as it has distinct colours).
MAP_LEGEND_LIMIT = 10
#: Marker shapes of the map's groups, so that groups differ in greyscale print too.
MAP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")


@dataclass(frozen=True)
class SpectrumFigure:
    """One exhibit's pictures: its thumbnail and its spectrum (None, with `problem`, when not drawn)."""

    exhibit: str
    spectrum: SpectrumImage | None
    problem: str = ""
    thumbnail: bytes | None = None

    @property
    def png(self) -> bytes | None:
        return self.spectrum.png if self.spectrum is not None else None


def representatives(analysis: Analysis) -> tuple[list[tuple[CaseItem, str]], str]:
    """The images whose pictures are drawn: every fingerprinted one, so each exhibit's detail
    shows its own spectrum (a compact figure costs about as much as re-hashing the file)."""
    return [(item, "") for item in analysis.items], ""


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, drawn without pyplot (safe on a worker thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class SpectrumImage:
    """A spectrum as an image (one pixel per DFT bin, DC at the centre) and the values of
    its darkest and lightest colours, for the colour bar the layout draws beside it."""

    png: bytes
    low: float
    high: float


@lru_cache(maxsize=1)
def palette() -> list[int]:
    """The 256 colours of magma as a flat RGB list: lightness rises with the value."""
    from matplotlib import colormaps

    rgb = (colormaps["magma"](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)
    return rgb.ravel().tolist()


def palette_png(indices: np.ndarray) -> bytes:
    """uint8 indices into :func:`palette` as a PNG: a byte per pixel, lossless, small."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(indices), mode="P")
    image.putpalette(palette())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def spectrum_image(pixels: np.ndarray, config: PreprocessConfig) -> SpectrumImage:
    """The residual spectrum scaled as the window scales it (1st to 99.7th percentile), low
    frequencies at the bottom as in the window's plot; the axes are drawn by the layout.

    Stored as a high-quality JPEG: a spectrum is noise-like, which a lossless format barely
    compresses (30 kB against 10 kB), and at the 160 dpi it is printed at the difference
    cannot be seen."""
    from PIL import Image

    spectrum = readable_spectrum(pixels, config)
    low, high = (float(v) for v in np.percentile(spectrum, (1.0, 99.7)))
    scaled = np.clip((spectrum - low) / max(high - low, 1e-12), 0.0, 1.0)
    indices = (scaled * 255).round().astype(np.uint8)[::-1]  # origin at the bottom, as drawn
    rgb = np.asarray(palette(), dtype=np.uint8).reshape(256, 3)[indices]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=85)
    return SpectrumImage(buffer.getvalue(), low, high)


def map_png(coords: np.ndarray, labels: np.ndarray | None, exhibits: Sequence[str],
            references: Sequence[ReferencePoints] = ()) -> bytes:
    """The t-SNE map, one point per image; each stored group has its own marker shape as well
    as its own colour, so the groups stay apart in greyscale; labelled when few, points on
    top of each other under one label.  The enrolled references placed on the same map are
    grey crosses, each generator named at their middle."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.6, 3.3), dpi=150, layout="constrained")
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
    for index, reference in enumerate(r for r in references if r.points):
        points = np.asarray(reference.points, dtype=np.float64)
        axes.scatter(points[:, 0], points[:, 1], s=10, marker="x", color="#888888", linewidths=0.6,
                     label="enrolled references" if index == 0 else None, zorder=0)
        x, y = np.median(points, axis=0)
        axes.annotate(reference.generator, (x, y), fontsize=5.5, color="#666666", ha="center", xytext=(0, 5),
                      textcoords="offset points")
    if 1 < len(present) <= MAP_LEGEND_LIMIT or (references and len(present) <= MAP_LEGEND_LIMIT):
        axes.legend(fontsize=6, loc="best", frameon=False)
    if len(coords) <= MAP_LABEL_LIMIT:
        for members in spots(coords):
            x, y = coords[members].mean(axis=0)
            axes.annotate(compact_ids([exhibits[i] for i in members]), (x, y), fontsize=7, xytext=(4, 4),
                          textcoords="offset points")
    axes.margins(0.12)
    axes.set_xticks([])
    axes.set_yticks([])
    return png_bytes(figure)


def spectrum_figure(item: CaseItem, why: str, file_check: FileCheck, config: PreprocessConfig,
                    max_pixels: int) -> SpectrumFigure:
    """Decode the evidence again (only if still unchanged) and draw its thumbnail and spectrum.

    `why` is kept for callers that say why an image was chosen; every exhibit is drawn now.
    """
    if file_check.status != UNCHANGED:
        return SpectrumFigure(item.exhibit, None, f"the file is {file_check.status}")
    try:
        evidence = open_evidence(evidence_path(item), max_pixels=max_pixels)
    except EvidenceError as exc:
        return SpectrumFigure(item.exhibit, None, f"the file cannot be decoded again ({exc.reason})")
    if evidence.sha256 != item.sha256:
        return SpectrumFigure(item.exhibit, None, "the file changed while the report was written")
    return SpectrumFigure(item.exhibit, spectrum_image(evidence.pixels, config), thumbnail=thumbnail_jpeg(evidence.pixels))


def figure_check(figures: Sequence[SpectrumFigure]) -> Check:
    """The spectrum figures as a check: ran when at least one was drawn."""
    name = "Spectrum figures"
    if not figures:
        return Check(name, NOT_RUN, "no fingerprinted image")
    drawn = sum(1 for figure in figures if figure.png is not None)
    status = RAN if drawn else FAILED
    return Check(name, status, f"{drawn} of {len(figures)} drawn" + ("" if drawn == len(figures) else "; each exhibit's detail says why"))
