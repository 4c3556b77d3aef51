"""The views of the selected image: its spectrum beside a reference, the image itself,
its evidence record, and its ranked matches.

The inspector decides what to show for one case item and asks `PreviewStore` for what
must be read from disk; it redraws when the store reports that something arrived, and
only if that something is still what the analyst is looking at.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QTabWidget, QTextBrowser

from forensics_app.core.case import Case, CaseItem
from forensics_app.core.evidence import MAX_COUNTED_FRAMES, EvidenceImage
from forensics_app.gui.attribution_text import top_match
from forensics_app.gui.previews import AverageSpectrum, PreviewStore
from forensics_app.gui.provenance_text import provenance_rows
from forensics_app.gui.widgets.image_view import ImageView
from forensics_app.gui.widgets.matches_view import MatchesView
from forensics_app.gui.widgets.spectrum_view import CLUSTER, FIRST_RANKED, GENERATOR_PREFIX, SpectrumView


class _Markup(str):
    """HTML this module wrote itself; every other value is escaped, whatever it starts with."""


def frames_text(evidence: EvidenceImage) -> str:
    """The frame or page count as what it is: an animated PNG declares its count, a TIFF's is counted to a cap."""
    frames = max(1, int(evidence.frames or 1))
    if frames > 1 and evidence.format == "PNG":
        return f"{frames:,} declared by the file (not counted)"
    if frames >= MAX_COUNTED_FRAMES and evidence.format == "TIFF":
        return f"more than {MAX_COUNTED_FRAMES:,} pages (not counted further)"
    return f"{frames:,}"


def _code(value: object) -> _Markup:
    return _Markup(f"<tt>{html.escape(str(value))}</tt>")


def evidence_html(item: CaseItem) -> str:
    """The evidence record of one item as a small HTML table (selectable, copyable)."""
    rows = [("Exhibit", item.exhibit), ("Path", item.path)]
    if item.note:
        rows.append(("Analyst's note", item.note))
    if item.same_as:
        rows.append(("Same bytes as", item.same_as))
    if item.error:
        rows.append(("Rejected", item.error))
    evidence = item.evidence
    if evidence is not None:
        rows += [("SHA-256", _code(evidence.sha256)), ("MD5", _code(evidence.md5)),
                 ("Format", f"{evidence.format} ({evidence.mode})"),
                 ("Dimensions", f"{evidence.width} x {evidence.height} pixels"),
                 ("File size", f"{evidence.size_bytes:,} bytes"),
                 ("Frames", frames_text(evidence)),
                 ("ICC profile", "yes" if evidence.has_icc_profile else "no")]
        rows += [(f"EXIF {key}", value) for key, value in sorted(evidence.exif.items())]
        rows += [(f"Text {key}", value) for key, value in sorted(evidence.text_metadata.items())]
        rows += [("Note", note) for note in evidence.notes]
        rows += provenance_rows(item)
        if not evidence.exif:
            rows.append(("EXIF", "none found (generated images rarely carry any; its absence proves nothing)"))
    if item.padded:
        rows.append(("Fingerprint", "smaller than one crop: padded by mirroring"))
    body = "".join(f"<tr><td valign='top'><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>"
                   f"{v if isinstance(v, _Markup) else html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table cellspacing='2'>{body}</table>"


class Inspector(QObject):
    """Owns the selected-image views; `show(item)` is all the window calls."""

    def __init__(self, previews: PreviewStore, case: Callable[[], Case],
                 reference_paths: Callable[[str], list[tuple[str, str]]], library_note: Callable[[], str],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.previews, self.case, self.reference_paths, self.library_note = previews, case, reference_paths, library_note
        self.spectrum = SpectrumView()
        self.image = ImageView()
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.matches = MatchesView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.spectrum, "Spectrum")
        self.tabs.addTab(self.image, "Image")
        self.tabs.addTab(self.details, "Evidence")
        self.item: CaseItem | None = None
        self._reference_key: str | None = None
        previews.preview_ready.connect(self._on_preview)
        previews.average_ready.connect(self._on_average)
        previews.scan_finished.connect(self.redraw_spectrum)
        self.spectrum.comparison_changed.connect(lambda _: self.redraw_spectrum())
        self.show(None)

    def show(self, item: CaseItem | None) -> None:
        self.item = item
        self.matches.show_item(item, self.library_note())
        if item is None:
            self.details.setHtml("<p>Select an image in the table.</p>")
            self.image.show_message("Select an image in the table to see it here.")
            self.spectrum.show_message("Select an image in the table to see the spectrum of its noise residual.")
            return
        self.details.setHtml(evidence_html(item))
        if item.error or not item.sha256:
            reason = f"{item.exhibit} was rejected at intake: {item.error}"
            self.image.show_message(reason)
            self.spectrum.show_message(reason)
            return
        if self.previews.preview(item.sha256) is not None:
            self._draw(item)
            return
        self.image.show_message(f"Loading {item.exhibit}...")
        self.spectrum.show_message(f"Computing the residual spectrum of {item.exhibit}...")
        self.previews.request_preview(item.sha256, item.path)

    def refresh(self) -> None:
        """The item's results changed (re-ranking, clusters): redraw what depends on them."""
        if self.item is not None:
            self.matches.show_item(self.item, self.library_note())
            self.redraw_spectrum()

    @Slot(str)
    def _on_preview(self, sha256: str) -> None:
        if self.item is not None and self.item.sha256 == sha256:
            self._draw(self.item)

    @Slot(str)
    def _on_average(self, key: str) -> None:
        if key == self._reference_key:
            self.redraw_spectrum()

    @Slot()
    def redraw_spectrum(self) -> None:
        if self.item is not None and self.item.sha256 and self.previews.preview(self.item.sha256) is not None:
            self._draw(self.item, image=False)

    def _draw(self, item: CaseItem, image: bool = True) -> None:
        preview = self.previews.preview(item.sha256)
        if preview.problem is not None:
            self.image.show_message(f"{item.exhibit}: {preview.problem}")
            self.spectrum.show_message(f"{item.exhibit}: {preview.problem}")
            return
        if image:
            self.image.show_image(item.sha256, preview.image)
        reference, note = self._reference(item)
        self.spectrum.show_spectra(item.sha256, f"{item.exhibit} residual spectrum", preview.spectrum, reference, note)

    # --- the reference spectrum ---------------------------------------------------------------

    def _reference(self, item: CaseItem) -> tuple[AverageSpectrum | None, str]:
        choice = self.spectrum.comparison()
        if choice == FIRST_RANKED:
            first = top_match(item)
            if first is None:
                reference, note = self._cluster_reference(item)
                return reference, f"No enrolled generator is ranked for this image; compared with its cluster: {note}"
            reference, note = self._generator_reference(first.generator)
            return reference, f"Ranked first for {item.exhibit}: {note}"
        if choice == CLUSTER:
            return self._cluster_reference(item)
        return self._generator_reference(choice[len(GENERATOR_PREFIX):])

    def _cluster_reference(self, item: CaseItem) -> tuple[AverageSpectrum | None, str]:
        if item.cluster is None:
            self._reference_key = None
            return None, "Not clustered yet: the cluster mean appears when the analysis has run."
        members = [i.sha256 for i in self.case().items if i.cluster == item.cluster and i.sha256 and not i.error]
        key = f"cluster:{item.cluster}:" + hashlib.sha1("".join(sorted(members)).encode()).hexdigest()[:12]
        self._reference_key = key
        average = self.previews.group_average(key, f"Cluster {item.cluster} mean", members)
        if average.spectrum is None:
            return None, f"Computing the spectra of cluster {item.cluster}..."
        note = f"Cluster {item.cluster}: mean of {average.used} of {len(members)} image(s)"
        if len(members) == 1:
            note += " (this image is alone in its cluster, so the two spectra are the same)"
        elif average.used < len(members):
            note += " (the others are still being read, or changed since intake)"
        return average, note

    def _generator_reference(self, name: str) -> tuple[AverageSpectrum | None, str]:
        try:
            references = self.reference_paths(name)
        except Exception as exc:  # the library went away or the generator was removed
            self._reference_key = None
            return None, f"The references of '{name}' cannot be read: {exc}"
        digest = hashlib.sha1("".join(sha for sha, _ in references).encode()).hexdigest()[:12]
        key = self._reference_key = f"generator:{name}:{digest}"
        average = self.previews.averages.get(key)
        if average is None:
            self.previews.request_reference_average(key, f"'{name}' mean", references)
            return None, f"Reading the {len(references)} reference image(s) of '{name}'..."
        if average.spectrum is None:
            return None, (f"None of the {average.total} reference image(s) of '{name}' could be read at their "
                          f"enrolment paths, so its spectrum cannot be shown (its fingerprint is still in the library).")
        note = f"'{name}': mean of {average.used} of {average.total} reference image(s)"
        if average.problems:
            note += f"; {len(average.problems)} could not be read (moved, or changed since enrolment)"
        return average, note
