"""The residual spectrum of the selected image beside a reference spectrum, and their
azimuthal profiles.

The two spectra share one colour scale, so a peak that is brighter in one really is
stronger; the reference is the mean spectrum of the image's cluster or of an enrolled
generator's reference images, which shows whether the periodic upsampling peaks of the
image are those of the group it was put in.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from forensics_app.gui.previews import AverageSpectrum
from forensics_app.gui.widgets.hint import hint_label
from forensics_app.gui.widgets.plot_canvas import FONT_SIZE, PlotCanvas, lay_out_plot_pane

CLUSTER = "cluster"
GENERATOR_PREFIX = "generator:"
#: The default: the enrolled generator ranked first for the image (what the analyst weighs).
FIRST_RANKED = "first-ranked"
_FIRST_TEXT = "its first-ranked generator (mean of its references)"
_CLUSTER_TEXT = "its cluster (mean of the group)"
SUBJECT_COLOUR = "#d95f02"
REFERENCE_COLOUR = "#1b9e77"


def frequencies(profile: np.ndarray, size: int) -> np.ndarray:
    """Radius in DFT bins -> spatial frequency in cycles per pixel (0 to 0.5)."""
    return np.arange(profile.size) / float(size)


class SpectrumView(QWidget):
    """`comparison_changed(key)`: the analyst chose what to compare with (FIRST_RANKED,
    CLUSTER or GENERATOR_PREFIX + name)."""

    comparison_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.addItem(_FIRST_TEXT, FIRST_RANKED)
        self.combo.addItem(_CLUSTER_TEXT, CLUSTER)
        self.combo.currentIndexChanged.connect(lambda _: self.comparison_changed.emit(self.comparison()))
        self.note = hint_label()
        self.canvas = PlotCanvas(self)
        lay_out_plot_pane(self, "Compare with:", self.combo, self.canvas, self.note)
        self.current: str | None = None  # sha256 of the image shown
        self.shown_reference: str | None = None  # key of the reference shown
        self.shown_difference: np.ndarray | None = None  # the image's spectrum minus the reference's
        self.show_message("Select an image in the table to see the spectrum of its noise residual.")

    # --- choices ----------------------------------------------------------------------------

    def comparison(self) -> str:
        return self.combo.currentData() or FIRST_RANKED

    def set_generators(self, names: list[str]) -> None:
        """Offer the enrolled generators; keeps the choice when that generator still exists."""
        chosen = self.comparison()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(_FIRST_TEXT, FIRST_RANKED)
        self.combo.addItem(_CLUSTER_TEXT, CLUSTER)
        for name in names:
            self.combo.addItem(f"enrolled generator '{name}' (mean of its references)", GENERATOR_PREFIX + name)
        index = self.combo.findData(chosen)
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        if self.comparison() != chosen:
            self.comparison_changed.emit(self.comparison())

    def set_comparison(self, key: str) -> None:
        index = self.combo.findData(key)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    # --- drawing ----------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.current = None
        self.shown_reference = self.shown_difference = None
        self.note.setText("")
        self.canvas.message(text)

    def show_spectra(self, key: str, title: str, spectrum: np.ndarray, reference: AverageSpectrum | None,
                     reference_note: str = "") -> None:
        """Draw the image's spectrum, the reference (or why there is none) and both profiles."""
        self.current = key
        self.shown_reference = reference.key if reference is not None and reference.spectrum is not None else None
        spectrum = np.asarray(spectrum, np.float32)
        has_reference = reference is not None and reference.spectrum is not None
        figure = self.canvas.figure
        figure.clear()
        comparable = has_reference and np.shape(reference.spectrum) == spectrum.shape
        grid = figure.add_gridspec(2, 2, height_ratios=(2, 1))
        subject_ax, reference_ax = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
        # beside the profiles, where both spectra can be told apart: the difference of the two
        profile_ax = figure.add_subplot(grid[1, 0] if comparable else grid[1, :])
        values = [spectrum] + ([np.asarray(reference.spectrum, np.float32)] if has_reference else [])
        low, high = np.percentile(np.concatenate([v.ravel() for v in values]), (1.0, 99.7))
        extent = (-0.5, 0.5, -0.5, 0.5)  # frequency axes, v up
        image = subject_ax.imshow(spectrum, cmap="magma", vmin=low, vmax=high, extent=extent, origin="lower")
        subject_ax.set_title(title)
        if has_reference:
            reference_ax.imshow(reference.spectrum, cmap="magma", vmin=low, vmax=high, extent=extent, origin="lower")
            reference_ax.set_title(reference.label)
        else:
            reference_ax.set_axis_off()
            reference_ax.text(0.5, 0.5, reference_note or "No reference spectrum", ha="center", va="center",
                              wrap=True, fontsize=FONT_SIZE, color=self.canvas.foreground, alpha=0.75,
                              transform=reference_ax.transAxes)
        for ax in (subject_ax, reference_ax):
            self.canvas.style_axes(ax)
            ax.set_xlabel("cycles / pixel")
        bar = figure.colorbar(image, ax=[subject_ax, reference_ax], shrink=0.85, pad=0.02)
        bar.ax.tick_params(labelsize=FONT_SIZE - 1, colors=self.canvas.foreground)
        bar.set_label("standardised log |DFT|", fontsize=FONT_SIZE, color=self.canvas.foreground)
        self.shown_difference = None
        if comparable:
            self.shown_difference = difference = spectrum - np.asarray(reference.spectrum, np.float32)
            self._draw_difference(figure.add_subplot(grid[1, 1]), difference, extent)
        self._draw_profiles(profile_ax, spectrum, reference if has_reference else None)
        self.note.setText(reference_note if has_reference else "")
        self.canvas.draw_idle()

    def _draw_difference(self, ax, difference: np.ndarray, extent: tuple) -> None:
        """This image minus the reference: where the image is stronger (red) or weaker (blue) than it."""
        limit = float(np.percentile(np.abs(difference), 99.5)) or 1.0
        ax.imshow(difference, cmap="coolwarm", vmin=-limit, vmax=limit, extent=extent, origin="lower")
        ax.set_title(f"image - reference (red stronger, blue weaker; +-{limit:.1f})", fontsize=FONT_SIZE)
        self.canvas.style_axes(ax)
        ax.set_xticks([])
        ax.set_yticks([])

    def _draw_profiles(self, ax, spectrum: np.ndarray, reference: AverageSpectrum | None) -> None:
        from forensics_app.core.fingerprint.preprocess import azimuthal_profile

        profile = azimuthal_profile(spectrum)
        ax.plot(frequencies(profile, spectrum.shape[0]), profile, color=SUBJECT_COLOUR, lw=1.4, label="this image")
        if reference is not None:
            ax.plot(frequencies(reference.profile, reference.spectrum.shape[0]), reference.profile,
                    color=REFERENCE_COLOUR, lw=1.4, ls="--", label=reference.label)
        ax.set_xlabel("spatial frequency (cycles / pixel)")
        ax.set_ylabel("mean standardised log |DFT|")
        ax.set_title("Azimuthal profile")
        ax.set_xlim(0, 0.5)
        ax.grid(alpha=0.25)
        legend = ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="best")
        for text in legend.get_texts():
            text.set_color(self.canvas.foreground)
        self.canvas.style_axes(ax)
