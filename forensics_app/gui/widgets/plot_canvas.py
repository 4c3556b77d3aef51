"""A matplotlib canvas sized and styled for the window's panes.

One place sets fonts and colours for every plot, so the spectrum view and the map read
the same, follow the window's palette, and stay legible in a small pane.
"""

from __future__ import annotations

import matplotlib
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QApplication, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

FONT_SIZE = 8

# Generator and file names are drawn as typed: a name like "$5 model" or "a$b$c" is text,
# never matplotlib mathematics (which would mangle it, or fail to draw the whole plot).
matplotlib.rcParams["text.parse_math"] = False


def palette_colours() -> tuple[str, str]:
    """(background, text) of the application palette as matplotlib colours."""
    palette = QApplication.palette()
    return palette.window().color().name(), palette.windowText().color().name()


class PlotCanvas(FigureCanvasQTAgg):
    def __init__(self, parent: QWidget | None = None) -> None:
        figure = Figure(figsize=(4, 3), dpi=100, layout="constrained")
        super().__init__(figure)
        self.setParent(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(160, 80)
        self.background, self.foreground = palette_colours()
        figure.set_facecolor(self.background)

    def style_axes(self, ax) -> None:
        """Palette colours and small fonts on one axes."""
        ax.set_facecolor(self.background)
        ax.tick_params(labelsize=FONT_SIZE - 1, colors=self.foreground)
        for spine in ax.spines.values():
            spine.set_color(self.foreground)
            spine.set_alpha(0.4)
        ax.title.set_color(self.foreground)
        ax.title.set_fontsize(FONT_SIZE + 1)
        ax.xaxis.label.set_color(self.foreground)
        ax.yaxis.label.set_color(self.foreground)
        ax.xaxis.label.set_fontsize(FONT_SIZE)
        ax.yaxis.label.set_fontsize(FONT_SIZE)

    def message(self, text: str) -> None:
        """Replace the plot by a centred line of text."""
        self.figure.clear()
        self.figure.text(0.5, 0.5, text, ha="center", va="center", wrap=True,
                         fontsize=FONT_SIZE + 1, color=self.foreground, alpha=0.75)
        self.draw_idle()


def lay_out_plot_pane(pane: QWidget, label: str, combo: QComboBox, canvas: PlotCanvas, caption: QLabel) -> None:
    """The layout every plot pane shares: a labelled chooser, the plot, a caption."""
    top = QHBoxLayout()
    top.addWidget(QLabel(label))
    # the chooser takes the room it is given, never widens the window to fit its longest entry
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    top.addWidget(combo, 1)
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addLayout(top)
    layout.addWidget(canvas, 1)
    layout.addWidget(caption)
