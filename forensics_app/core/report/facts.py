"""The first of the report's two steps: gather every fact into plain data before layout.

Re-checks, C2PA scan, the stored decision policy, decisions, groups and map, the known
error rates and the figures are all collected here, one progress step per file or figure,
with the caller's cancel check between steps; the layout then only reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forensics_app.core.case import Case, utc_now
from forensics_app.core.case.check import CaseCheck, check_case
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import ModelCard
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.report.checks import FAILED, NOT_RUN, RAN, Check, FileCheck, checks_performed, recheck_file
from forensics_app.core.report.decision import Decision, StoredPolicy, decisions, read_policy
from forensics_app.core.report.errors import ReportCancelled
from forensics_app.core.report.figures import SpectrumFigure, figure_check, map_png, representatives, spectrum_figure
from forensics_app.core.report.grouping import Analysis, analyse
from forensics_app.core.report.tippett import TippettFigure, prepare_tippett
from forensics_app.core.report.validation import Validation, read_validation


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
    stored: StoredPolicy
    decisions: dict[str, Decision]
    validation: Validation
    tippett: TippettFigure
    checks: list[Check] = field(default_factory=list)
    case_check: CaseCheck = field(default_factory=CaseCheck)

    @property
    def card_matches(self) -> bool:
        return card_matches(self.card, self.case)

    @property
    def naming_lr(self) -> float | None:
        """The naming level of the stored policy (None in a case that stored none)."""
        return self.stored.policy.naming_lr if self.stored.policy is not None else None


def card_matches(card: ModelCard | None, case: Case) -> bool:
    """True when the model card given is the one the case was computed with."""
    return card is not None and case.extractor is not None and card.extractor_id == case.extractor.id


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


def gather(case: Case, card: ModelCard | None, versions: dict[str, str], steps: Steps,
           tippett: Sequence[np.ndarray] | None = None) -> Facts:
    """Re-check every file, then draw the figures: one step each, then the map, the Tippett
    plot and the layout."""
    case_check = check_case(case)
    stored = read_policy(case)
    naming_lr = stored.policy.naming_lr if stored.policy is not None else None
    drawn_tippett = prepare_tippett(tippett, naming_lr)
    analysis = analyse(case)
    chosen, figure_note = representatives(analysis)
    steps.total = len(case.items) + len(chosen) + 2
    files = {}
    for item in case.items:
        files[item.exhibit] = recheck_file(item)
        steps.step()
    config = card.preprocess if card is not None and card_matches(card, case) else PreprocessConfig()
    max_pixels = int(case.settings.max_pixels or DEFAULT_MAX_PIXELS)
    figures = []
    for item, why in chosen:
        figures.append(spectrum_figure(item, why, files[item.exhibit], config, max_pixels))
        steps.step()
    coords = analysis.coords
    drawn_map = map_png(coords, analysis.labels, [i.exhibit for i in analysis.items],
                        case.map_references) if coords is not None else None
    steps.step()
    facts = Facts(case, utc_now(), card, versions, files, analysis, figures, figure_note, drawn_map, stored,
                  decisions(case, case_check.recomputed), read_validation(card, case), drawn_tippett,
                  case_check=case_check)
    facts.checks = checks_performed(case, files.values(), len(analysis.items),
                                    [analysis.cluster_check, analysis.map_check, figure_check(figures),
                                     _tippett_check(drawn_tippett), _case_check(case_check)])
    return facts


def _case_check(result: CaseCheck) -> Check:
    name = "Stored results recomputed from the stored fingerprints, library means and policy"
    if result.problems:
        return Check(name, FAILED, result.summary() + " (listed under Integrity)")
    if not result.checked and result.unchecked:
        return Check(name, NOT_RUN, "; ".join(result.unchecked))
    return Check(name, RAN, result.summary())


def _tippett_check(figure: TippettFigure) -> Check:
    name = "Tippett plot of the library's comparisons"
    if figure.png is None:
        return Check(name, NOT_RUN, figure.problem)
    return Check(name, RAN, f"{figure.same_source:,} same-source and {figure.different_source:,} different-source "
                            "comparisons provided")
