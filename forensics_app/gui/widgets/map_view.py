"""The t-SNE map of every fingerprinted image, coloured by cluster, attribution, folder or format.

Hovering names the image; clicking a point asks the window to select its row, and the
window marks the selected rows' points with rings.  Distances on a t-SNE map are only
meaningful locally (neighbours are neighbours; gaps between groups are not to scale),
which the pane says under the plot so nobody measures on it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.gui.widgets.hint import hint_label
from forensics_app.gui.widgets.plot_canvas import FONT_SIZE, PlotCanvas, lay_out_plot_pane

BY_CLUSTER, BY_MATCH, BY_FIRST, BY_FOLDER, BY_FORMAT = "cluster", "match", "first", "folder", "format"
#: The colourings offered, in the order of the menu: (key, what the menu says).
COLOURINGS = ((BY_CLUSTER, "cluster"), (BY_MATCH, "attribution (named generator)"),
              (BY_FIRST, "first-ranked generator (named or not)"), (BY_FOLDER, "folder"), (BY_FORMAT, "file format"))
HIT_RADIUS_PX = 9
GREY = "#9e9e9e"
GREY_LABELS = (UNKNOWN_TEXT, "not attributed")
MAX_LEGEND = 12


def category_colours(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour per label: categorical palettes in sorted order, grey where no generator is named."""
    from matplotlib.colors import to_hex

    named = sorted({label for label in labels if label not in GREY_LABELS}, key=_natural)
    palette = colormaps["tab10" if len(named) <= 10 else "tab20"]
    colours = {label: to_hex(palette(i % palette.N)) for i, label in enumerate(named)}
    colours.update({label: GREY for label in GREY_LABELS})
    return colours


def _natural(label: str):
    head, _, number = label.rpartition(" ")
    return (head, int(number)) if number.isdigit() else (label, -1)


class MapView(QWidget):
    """`point_clicked(index)`: index into the points given to `set_points`."""

    point_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        for key, text in COLOURINGS:
            self.combo.addItem(text, key)
        self.combo.currentIndexChanged.connect(lambda _: self._draw())
        self.canvas = PlotCanvas(self)
        self.canvas.mpl_connect("motion_notify_event", self._on_motion)
        self.canvas.mpl_connect("button_press_event", self._on_press)
        self.caption = hint_label("t-SNE keeps neighbours together; distances between groups are not to scale. "
                                  "Hover over a point to name it, click it to select its row.")
        lay_out_plot_pane(self, "Colour by:", self.combo, self.canvas, self.caption)
        self.coords = np.zeros((0, 2), np.float32)
        self.labels: dict[str, list[str]] = {}  # colouring -> one label per point
        self.hover_texts: list[str] = []
        self.references: list[tuple[str, np.ndarray]] = []  # enrolled generator -> its references' points
        self.highlighted: list[int] = []
        self._ax = self._scatter = self._rings = self._annotation = None
        self.show_message("The map appears once five or more images are fingerprinted.")

    def colour_mode(self) -> str:
        return self.combo.currentData()

    def set_colour_mode(self, mode: str) -> None:
        index = self.combo.findData(mode)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def show_message(self, text: str) -> None:
        self.coords = np.zeros((0, 2), np.float32)
        self._ax = self._scatter = self._rings = self._annotation = None
        self.canvas.message(text)

    def set_points(self, coords: np.ndarray, labels: dict[str, Sequence[str]], hover_texts: Sequence[str],
                   references: Sequence[tuple[str, np.ndarray]] = ()) -> None:
        """Points with a label per colouring of :data:`COLOURINGS` each (missing ones read "unknown"),
        and each enrolled generator's references, drawn small and named, never clickable."""
        self.coords = np.asarray(coords, np.float32)
        self.references = [(name, np.asarray(points, np.float32).reshape(-1, 2)) for name, points in references]
        self.labels, self.hover_texts = {k: list(v) for k, v in labels.items()}, list(hover_texts)
        self.highlighted = [i for i in self.highlighted if i < len(self.coords)]
        self._draw()

    def set_labels(self, labels: dict[str, Sequence[str]], hover_texts: Sequence[str]) -> None:
        """New colours for the same points (re-ranking, re-clustering)."""
        if len(hover_texts) == len(self.coords):
            self.labels, self.hover_texts = {k: list(v) for k, v in labels.items()}, list(hover_texts)
            self._draw()

    def current_labels(self) -> list[str]:
        """The label of every point under the colouring chosen."""
        return self.labels.get(self.colour_mode()) or ["unknown"] * len(self.coords)

    def set_highlight(self, indices: Sequence[int]) -> None:
        self.highlighted = [i for i in indices if 0 <= i < len(self.coords)]
        if self._rings is not None:
            self._rings.set_offsets(self.coords[self.highlighted] if self.highlighted else np.zeros((0, 2)))
            self.canvas.draw_idle()

    # --- drawing ----------------------------------------------------------------------------

    def _draw(self) -> None:
        if not len(self.coords):
            return
        labels = self.current_labels()
        colours = category_colours(labels)
        figure = self.canvas.figure
        figure.clear()
        ax = self._ax = figure.add_subplot(1, 1, 1)
        self._scatter = ax.scatter(self.coords[:, 0], self.coords[:, 1], s=36, c=[colours[l] for l in labels],
                                   edgecolors="white", linewidths=0.6, zorder=2)
        self._draw_references(ax)
        ring_offsets = self.coords[self.highlighted] if self.highlighted else np.zeros((0, 2))
        self._rings = ax.scatter(ring_offsets[:, 0], ring_offsets[:, 1], s=150, facecolors="none",
                                 edgecolors=self.canvas.foreground, linewidths=1.6, zorder=3)
        self._annotation = ax.annotate("", xy=(0, 0), xytext=(10, 10), textcoords="offset points", fontsize=FONT_SIZE,
                                       bbox={"boxstyle": "round", "fc": "#fffff0", "ec": GREY}, zorder=4,
                                       arrowprops={"arrowstyle": "-", "color": GREY, "lw": 0.8})
        self._annotation.set_visible(False)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        self.canvas.style_axes(ax)
        self._legend(ax, labels, colours)
        ax.margins(0.12)
        self.canvas.draw_idle()

    def _draw_references(self, ax) -> None:
        """Enrolled references as grey crosses, each generator's name at their middle."""
        for name, points in self.references:
            if not len(points):
                continue
            ax.scatter(points[:, 0], points[:, 1], s=14, marker="x", color=GREY, linewidths=0.8, zorder=1)
            x, y = np.median(points, axis=0)
            ax.annotate(name, (x, y), fontsize=FONT_SIZE - 1, color=GREY, ha="center", va="bottom", zorder=1,
                        xytext=(0, 6), textcoords="offset points")

    def _legend(self, ax, labels: Sequence[str], colours: dict[str, str]) -> None:
        from matplotlib.lines import Line2D

        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        ordered = sorted(counts, key=lambda label: (label in GREY_LABELS, _natural(label)))
        shown = ordered[:MAX_LEGEND]
        handles = [Line2D([], [], marker="o", ls="", color=colours[l], label=f"{l} ({counts[l]})") for l in shown]
        if len(ordered) > MAX_LEGEND:
            handles.append(Line2D([], [], ls="", label=f"... {len(ordered) - MAX_LEGEND} more"))
        if self.references:
            handles.append(Line2D([], [], marker="x", ls="", color=GREY, label="enrolled references"))
        legend = ax.legend(handles=handles, fontsize=FONT_SIZE - 1, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                           frameon=False, borderaxespad=0)
        for text in legend.get_texts():
            text.set_color(self.canvas.foreground)

    # --- pointing ---------------------------------------------------------------------------

    def point_at(self, x_px: float, y_px: float) -> int | None:
        """The point under display coordinates (matplotlib pixels), if any."""
        if self._ax is None or not len(self.coords):
            return None
        screen = self._ax.transData.transform(self.coords)
        distances = np.hypot(screen[:, 0] - x_px, screen[:, 1] - y_px)
        nearest = int(np.argmin(distances))
        return nearest if distances[nearest] <= HIT_RADIUS_PX * self.canvas.device_pixel_ratio else None

    def widget_position(self, index: int) -> QPoint:
        """Where point `index` is drawn, in the canvas widget's coordinates (for tests and
        scripted screenshots that point at it as a user would)."""
        self.canvas.draw()
        x, y = self._ax.transData.transform(self.coords[index])
        ratio = self.canvas.device_pixel_ratio
        return QPoint(round(x / ratio), round((self.canvas.figure.bbox.height - y) / ratio))

    def _on_motion(self, event) -> None:
        if self._annotation is None:
            return
        index = self.point_at(event.x, event.y) if event.inaxes is self._ax else None
        visible = index is not None
        if visible:
            self._annotation.xy = tuple(self.coords[index])
            self._annotation.set_text(self.hover_texts[index])
            # keep the label inside the axes near the right and top edges
            x_frac, y_frac = self._ax.transAxes.inverted().transform((event.x, event.y))
            self._annotation.set_position((-10 if x_frac > 0.6 else 10, -10 if y_frac > 0.7 else 10))
            self._annotation.set_ha("right" if x_frac > 0.6 else "left")
            self._annotation.set_va("top" if y_frac > 0.7 else "bottom")
        if visible or self._annotation.get_visible():
            self._annotation.set_visible(visible)
            self.canvas.draw_idle()

    def _on_press(self, event) -> None:
        if event.button == 1 and event.inaxes is self._ax:
            index = self.point_at(event.x, event.y)
            if index is not None:
                self.point_clicked.emit(index)
