"""The first of the report's two steps: gather every fact into plain data before layout.

Re-checks, C2PA scan, clusters, map and figures are all collected here, one progress step
each, with the caller's cancel check between steps; the layout then only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forensics_app.core.case import Case, utc_now
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import ModelCard
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.report.checks import Check, FileCheck, checks_performed, recheck_file
from forensics_app.core.report.errors import ReportCancelled
from forensics_app.core.report.figures import SpectrumFigure, figure_check, map_png, representatives, spectrum_figure
from forensics_app.core.report.grouping import Analysis, analyse


@dataclass
class Facts:
    """Everything the layout needs, gathered before a single line is laid out."""

    case: Case
    generated: str
    card: ModelCard | None
    versions: dict[str, str]
    files: dict[str, FileCheck]
    analysis: Analysis
    figures: list[SpectrumFigure]
    figure_note: str
    map_png: bytes | None
    checks: list[Check] = field(default_factory=list)

    @property
    def card_matches(self) -> bool:
        return card_matches(self.card, self.case)

    @property
    def calibration_source(self) -> str | None:
        """From the matching card, else from the calibration the case itself recorded."""
        if self.card_matches:
            return self.card.calibration.source
        return (self.case.extractor.get("calibration") or {}).get("source")

    @property
    def uncalibrated(self) -> bool:
        return (self.calibration_source or "").startswith("uncalibrated")


def card_matches(card: ModelCard | None, case: Case) -> bool:
    """True when the model card given is the one the case was computed with."""
    return card is not None and card.extractor_id == case.extractor.get("id")


class Steps:
    """Progress over the report's steps, and the caller's cancel check between them."""

    def __init__(self, progress: ProgressCallback | None, cancel: CancelCheck | None) -> None:
        self.total: int | None = None
        self.done, self.progress, self.cancel = 0, progress, cancel

    def step(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ReportCancelled("writing the report was cancelled; no file was written")
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def gather(case: Case, card: ModelCard | None, versions: dict[str, str], steps: Steps) -> Facts:
    """Re-check every file, then draw the figures: one step each, then the map and the layout."""
    analysis = analyse(case, card)
    chosen, figure_note = representatives(analysis)
    steps.total = len(case.items) + len(chosen) + 2
    files = {}
    for item in case.items:
        files[item.exhibit] = recheck_file(item)
        steps.step()
    config = card.preprocess if card is not None and card_matches(card, case) else PreprocessConfig()
    max_pixels = int(case.settings.get("max_pixels") or DEFAULT_MAX_PIXELS)
    figures = []
    for item, why in chosen:
        figures.append(spectrum_figure(item, why, files[item.exhibit], config, max_pixels))
        steps.step()
    coords = analysis.coords
    drawn_map = map_png(coords, analysis.labels, [i.exhibit for i in analysis.items]) if coords is not None else None
    steps.step()
    facts = Facts(case, utc_now(), card, versions, files, analysis, figures, figure_note, drawn_map)
    facts.checks = checks_performed(case, files.values(), len(analysis.items),
                                    [analysis.cluster_check, analysis.map_check, figure_check(figures)])
    return facts
