"""Thumbnails, display images and residual spectra, computed off the GUI thread and cached.

Every picture the window shows of an evidence file is read again from disk and checked
against the SHA-256 taken at intake: a file that changed or went missing since then is
reported, never shown, since a view of other bytes than the ones analysed would mislead.
Spectra come from core's `readable_spectrum`: the extractor's residual, windowed and standardised.
Thumbnails and spectra of every image are kept (a spectrum is 32 KiB in float16, so a
case of a few thousand images costs tens of MiB); display images only for the last few.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

from forensics_app.core.evidence import EvidenceError, open_verified
from forensics_app.core.fingerprint.preprocess import PreprocessConfig, azimuthal_profile, readable_spectrum
from forensics_app.gui.workers import CancelFn, ProgressFn, Worker, error_text

THUMBNAIL_PX = 96  # stored size; shown at 48 logical pixels, so sharp on 2x screens
DISPLAY_PX = 2048  # longest side of the image shown in the image view
KEEP_DISPLAY_IMAGES = 12


def to_qimage(pixels: np.ndarray) -> QImage:
    """An RGB uint8 array as a QImage that owns its memory (safe to hand between threads)."""
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def downscaled(pixels: np.ndarray, longest: int) -> np.ndarray:
    h, w = pixels.shape[:2]
    if max(h, w) <= longest:
        return pixels
    image = Image.fromarray(pixels)
    image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    return np.asarray(image)


@dataclass(frozen=True)
class ScanResult:
    sha256: str
    thumbnail: QImage | None
    spectrum: np.ndarray | None
    problem: str | None = None


@dataclass(frozen=True)
class Preview:
    """What the image and spectrum views show of one evidence file."""

    sha256: str
    image: QImage | None
    spectrum: np.ndarray | None
    profile: np.ndarray | None
    problem: str | None = None


@dataclass(frozen=True)
class AverageSpectrum:
    """The mean spectrum of a group of images and how many of them it covers."""

    key: str
    label: str
    spectrum: np.ndarray | None
    profile: np.ndarray | None
    used: int
    total: int
    problems: tuple[str, ...] = ()


def average_of(key: str, label: str, spectra: Sequence[np.ndarray], total: int, problems=()) -> AverageSpectrum:
    if not spectra:
        return AverageSpectrum(key, label, None, None, 0, total, tuple(problems))
    mean = np.mean(np.stack([np.asarray(s, np.float32) for s in spectra]), axis=0)
    return AverageSpectrum(key, label, mean, azimuthal_profile(mean), len(spectra), total, tuple(problems))


class PreviewStore(QObject):
    """Loads and caches what the views show; views listen to the *_ready signals."""

    thumbnail_ready = Signal(str)
    preview_ready = Signal(str)
    average_ready = Signal(str)
    scan_finished = Signal()

    def __init__(self, config: PreprocessConfig = PreprocessConfig(), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.thumbnails: dict[str, QImage] = {}
        self.spectra: dict[str, np.ndarray] = {}
        self.problems: dict[str, str] = {}
        self.previews: OrderedDict[str, Preview] = OrderedDict()
        self.averages: dict[str, AverageSpectrum] = {}
        # one thread scans in the background, another answers the analyst's clicks, so a
        # long scan never delays the view of the selected image
        self.scan_pool, self.click_pool = QThreadPool(self), QThreadPool(self)
        self.scan_pool.setMaxThreadCount(1)
        self.click_pool.setMaxThreadCount(1)
        self._workers: list[Worker] = []
        self._wanted = ""
        self._wanted_lock = threading.Lock()
        self._pending_averages: set[str] = set()
        self.scanning = 0

    # --- background scan of thumbnails and spectra ----------------------------------------

    def scan(self, items: Sequence[tuple[str, str]]) -> None:
        """Make thumbnails and spectra for (sha256, path) pairs not yet done."""
        todo = [(sha, path) for sha, path in items if sha and sha not in self.thumbnails and sha not in self.problems]
        if not todo:
            return
        config = self.config

        def job(progress: ProgressFn, cancel: CancelFn) -> Iterator[ScanResult]:
            for done, (sha, path) in enumerate(todo, start=1):
                if cancel():
                    return
                try:
                    pixels = open_verified(path, sha).pixels
                    thumbnail = to_qimage(downscaled(pixels, THUMBNAIL_PX))
                    spectrum = readable_spectrum(pixels, config).astype(np.float16)
                    del pixels
                    yield ScanResult(sha, thumbnail, spectrum)
                except Exception as exc:  # reported per file, the scan goes on
                    yield ScanResult(sha, None, None, exc.reason if isinstance(exc, EvidenceError) else error_text(exc))
                progress(done, len(todo))

        self.scanning += 1
        self._start(self.scan_pool, job, partial=self._on_scanned, finished=self._on_scan_finished)

    @Slot(object)
    def _on_scanned(self, result: ScanResult) -> None:
        if result.problem is not None:
            self.problems[result.sha256] = result.problem
        else:
            self.thumbnails[result.sha256] = result.thumbnail
            self.spectra[result.sha256] = result.spectrum
        self.thumbnail_ready.emit(result.sha256)

    @Slot()
    def _on_scan_finished(self) -> None:
        self.scanning -= 1
        if not self.scanning:
            self.scan_finished.emit()

    # --- the selected image -----------------------------------------------------------------

    def preview(self, sha256: str) -> Preview | None:
        preview = self.previews.get(sha256)
        if preview is not None:
            self.previews.move_to_end(sha256)
        return preview

    def request_preview(self, sha256: str, path: str) -> None:
        """Load the display image and spectrum of one file; `preview_ready` says when.

        Only the latest request matters: a request overtaken by another while it waited
        for the thread returns at once, so running down the table never queues up work.
        """
        with self._wanted_lock:
            self._wanted = sha256
        if sha256 in self.previews:
            self.preview_ready.emit(sha256)
            return
        config, cached = self.config, self.spectra.get(sha256)

        def job(progress: ProgressFn, cancel: CancelFn) -> Preview | None:
            with self._wanted_lock:
                if self._wanted != sha256:
                    return None
            try:
                pixels = open_verified(path, sha256).pixels
            except Exception as exc:
                return Preview(sha256, None, None, None, exc.reason if isinstance(exc, EvidenceError) else error_text(exc))
            spectrum = np.asarray(cached, np.float32) if cached is not None else readable_spectrum(pixels, config)
            return Preview(sha256, to_qimage(downscaled(pixels, DISPLAY_PX)), spectrum, azimuthal_profile(spectrum))

        self._start(self.click_pool, job, result=self._on_preview)

    @Slot(object)
    def _on_preview(self, preview: Preview | None) -> None:
        if preview is None:
            return
        self.previews[preview.sha256] = preview
        while len(self.previews) > KEEP_DISPLAY_IMAGES:
            self.previews.popitem(last=False)
        if preview.spectrum is not None and preview.sha256 not in self.spectra:
            self.spectra[preview.sha256] = preview.spectrum.astype(np.float16)
        if preview.problem is not None:
            self.problems[preview.sha256] = preview.problem
        self.preview_ready.emit(preview.sha256)

    # --- averages for comparison ----------------------------------------------------------

    def group_average(self, key: str, label: str, shas: Sequence[str]) -> AverageSpectrum:
        """Mean of the cached spectra of case images (a cluster); computed on demand and
        cheap (a mean of small arrays), the expensive part was done by the scan."""
        spectra = [self.spectra[s] for s in shas if s in self.spectra]
        cached = self.averages.get(key)
        if cached is not None and cached.used == len(spectra) and cached.total == len(shas):
            return cached
        average = average_of(key, label, spectra, len(shas))
        self.averages[key] = average
        return average

    def request_reference_average(self, key: str, label: str, references: Sequence[tuple[str, str]]) -> None:
        """Mean spectrum of a generator's reference images, read from their enrolment
        paths and checked against their enrolled SHA-256; `average_ready(key)` says when."""
        if key in self.averages:
            self.average_ready.emit(key)
            return
        if key in self._pending_averages:
            return
        self._pending_averages.add(key)
        config = self.config

        def job(progress: ProgressFn, cancel: CancelFn) -> AverageSpectrum:
            spectra, problems = [], []
            for done, (sha, path) in enumerate(references, start=1):
                if cancel():
                    break
                try:
                    spectra.append(readable_spectrum(open_verified(path, sha).pixels, config))
                except Exception as exc:
                    problems.append(f"{path}: {exc.reason if isinstance(exc, EvidenceError) else error_text(exc)}")
                progress(done, len(references))
            return average_of(key, label, spectra, len(references), problems)

        self._start(self.scan_pool, job, result=self._on_average)

    @Slot(object)
    def _on_average(self, average: AverageSpectrum) -> None:
        self._pending_averages.discard(average.key)
        self.averages[average.key] = average
        self.average_ready.emit(average.key)

    def clear(self) -> None:
        """Forget everything (another case was opened); running scans are cancelled."""
        for worker in self._workers:
            worker.cancel()
        self.thumbnails.clear()
        self.spectra.clear()
        self.problems.clear()
        self.previews.clear()
        self.averages.clear()
        self._pending_averages.clear()

    def forget_averages(self, prefix: str = "") -> None:
        for key in [k for k in self.averages if k.startswith(prefix)]:
            del self.averages[key]

    # --- plumbing ---------------------------------------------------------------------------

    def _start(self, pool: QThreadPool, job, partial=None, result=None, finished=None) -> None:
        worker = Worker(job)
        if partial is not None:
            worker.signals.partial.connect(partial)
        if result is not None:
            worker.signals.result.connect(result)
        worker.signals.finished.connect(self._retire)
        if finished is not None:
            worker.signals.finished.connect(finished)
        self._workers.append(worker)
        pool.start(worker)

    @Slot()
    def _retire(self) -> None:
        # keep a few finished workers alive a little longer: see JobQueue._retired
        finished = [w for w in self._workers if w.done]
        if len(finished) > 8:
            for worker in finished[:-8]:
                self._workers.remove(worker)

    def stop(self, msecs: int = 5000) -> None:
        """Cancel every job and wait for the threads (the window is closing)."""
        for worker in self._workers:
            worker.cancel()
        self.scan_pool.waitForDone(msecs)
        self.click_pool.waitForDone(msecs)
