"""One analysis session, the same from the window and the commands.

A :class:`Session` is the open case and what it is analysed with: the extractor, the
library, the policy its results were decided by and whether it has unsaved changes.  It
performs what a session does (take a file in, ask for the analysis, record each stage,
change the case's details, remove exhibits, save), and emits an event after each, so the
window's panes watch it the way napari's Qt viewer watches its ``ViewerModel``; it knows
nothing of Qt.  `attribute --case` and the window take files in, analyse and record
through the same methods, so they record the same settings and audit entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forensics_app.core.case import Case, CaseItem, extractor_stamp
from forensics_app.core.decision.attribution import DecisionPolicy
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor, ModelCard
from forensics_app.core.library import Library
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.workflows.analyse import (
    STAGES, AnalysisRequest, AnalysisStage, Attributions, ProbeFile, conditions_of, record,
)
from forensics_app.workflows.events import Event
from forensics_app.workflows.intake import already_in_case, fingerprinted, new_case, note_skipped, take_in

#: What became of one file offered to the case (`Session.take_in`).
LEFT_OUT, ALREADY_IN, ADDED = "left out", "already in the case", "added"
#: The case details an analyst gives, in the order the report prints them.
DETAILS = ("reference", "examiner", "organisation", "question")


@dataclass(frozen=True)
class SessionSettings:
    """The settings a case's results depend on, besides the policy (which `record` writes)."""

    crops: int
    device: str
    max_pixels: int = DEFAULT_MAX_PIXELS
    perplexity: float = 30.0
    naming_lr: float | None = None  # None: the program's default level

    def record_in(self, case: Case) -> None:
        settings = case.settings
        settings.crops, settings.device, settings.max_pixels, settings.perplexity = (
            self.crops, self.device, self.max_pixels, self.perplexity)


def session_settings(extractor: Extractor, max_pixels: int = DEFAULT_MAX_PIXELS, perplexity: float = 30.0,
                     naming_lr: float | None = None) -> SessionSettings:
    return SessionSettings(extractor.card.preprocess.crops_per_image, str(extractor.device), max_pixels,
                           perplexity, naming_lr)


def analysis_request(items: Sequence[CaseItem], extractor: Extractor, library: Library | None,
                     settings: SessionSettings, stages: tuple[str, ...] = STAGES,
                     top: int | None = None) -> AnalysisRequest:
    """The analysis of the fingerprinted `items`, with each one's storage condition."""
    embeddings = (np.stack([item.embedding for item in items]) if items
                  else np.zeros((0, extractor.embedding_dim), np.float32))
    return AnalysisRequest(embeddings, extractor, library, settings.naming_lr, tuple(stages), settings.perplexity,
                           top=top, conditions=conditions_of(items), max_pixels=settings.max_pixels,
                           sources=tuple(ProbeFile.of(item) for item in items))


@dataclass
class SessionEvents:
    """What a session emits; each is emitted after the change it names."""

    opened: Event = field(default_factory=Event)  # (case,): another case is open
    dirty: Event = field(default_factory=Event)  # (bool,): unsaved changes, or saved
    inserting: Event = field(default_factory=Event)  # (row,): an exhibit is about to be appended at `row`
    inserted: Event = field(default_factory=Event)  # (item,): it was appended
    items: Event = field(default_factory=Event)  # (): exhibits were removed
    noted: Event = field(default_factory=Event)  # (item,): the analyst's note on an exhibit changed
    recorded: Event = field(default_factory=Event)  # (stage, items): a stage of the analysis was recorded
    details: Event = field(default_factory=Event)  # (): the case's details or its file changed


class Session:
    """The open case and what it is analysed with; Qt-free, watched by the window's panes.

    `card` is the extractor's card as shipped (the loaded extractor's may carry the
    analyst's crops); `extractor_problem` says why no extractor is loaded.
    """

    def __init__(self, extractor: Extractor | None = None, library: Library | None = None,
                 case: Case | None = None, card: ModelCard | None = None) -> None:
        self.extractor, self.library = extractor, library
        self.card = card if card is not None else (extractor.card if extractor is not None else None)
        self.extractor_problem: str | None = None
        self.events = SessionEvents()
        self.case: Case = case if case is not None else self.blank_case()
        self.path: Path | None = None
        self.dirty = False
        self.policy: DecisionPolicy | None = self.case.settings.policy
        self.attribution_note = ""  # why attribution gave nothing (no library, an empty one)

    # --- the case -----------------------------------------------------------------------

    def blank_case(self, reference: str = "") -> Case:
        """A new case, stamped with the loaded extractor where there is one."""
        return new_case(self.extractor, reference) if self.extractor is not None else Case(reference=reference)

    def open(self, case: Case, path: Path | None = None) -> None:
        """Make `case` the open one, as saved at `path` (None: never saved)."""
        self.case, self.path, self.dirty = case, Path(path) if path else None, False
        self.policy, self.attribution_note = case.settings.policy, ""
        self.events.opened.emit(case)

    def mark_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            self.events.dirty.emit(True)

    def audit(self, action: str, detail: str, sha256: str | None = None) -> None:
        self.case.log(action, sha256, detail)
        self.mark_dirty()

    @property
    def foreign(self) -> bool:
        """The case was fingerprinted with other weights: its fingerprints cannot meet ours."""
        stamp = self.case.extractor
        return self.extractor is not None and stamp is not None and stamp.id != self.extractor.extractor_id

    def foreign_text(self) -> str:
        stamp = self.case.extractor
        return (f"This case was fingerprinted with extractor {stamp.id if stamp else '?'}, but the loaded "
                f"extractor is {self.extractor.extractor_id if self.extractor else 'none'}. Fingerprints of "
                "different weights cannot be compared, so its saved results are shown as they were. Use Analysis > "
                "Re-fingerprint all images to redo it with the current extractor.")

    def stamp_extractor(self) -> None:
        """Record the extractor in a case that has none yet (a blank case given its first image)."""
        if self.case.extractor is None and self.card is not None:
            self.case.extractor = extractor_stamp(self.card)

    def set_details(self, details: dict[str, str]) -> bool:
        """The analyst's case details, logged when they change; False when nothing changed."""
        current = {key: getattr(self.case, key) for key in DETAILS}
        chosen = {key: str(details.get(key, current[key])) for key in DETAILS}
        if chosen == current:
            return False
        for key, value in chosen.items():
            setattr(self.case, key, value)
        self.audit("case-details", "; ".join(f"{k}: {v}" for k, v in chosen.items() if v))
        self.events.details.emit()
        return True

    def set_note(self, exhibit: str, text: str) -> bool:
        if not self.case.set_note(exhibit, text):
            return False
        self.mark_dirty()
        self.events.noted.emit(next(i for i in self.case.items if i.exhibit == exhibit))
        return True

    def remove(self, exhibits: Sequence[str], reason: str) -> None:
        """Take exhibits out of the case, each logged with the reason (ValueError without one)."""
        for exhibit in exhibits:
            self.case.remove_exhibit(exhibit, reason)
        self.mark_dirty()
        self.events.items.emit()

    def note_settings(self, settings: SessionSettings | None) -> None:
        """Record the settings in a case that records none yet (one never analysed).

        An analysed case keeps the settings its results were made with, whatever the
        analyst has chosen since.
        """
        if settings is not None and not self.case.settings.to_dict():
            settings.record_in(self.case)

    def save(self, path: Path, settings: SessionSettings | None = None) -> None:
        """Write the case to `path` (CaseError when it cannot be; the case stays open with its changes)."""
        self.stamp_extractor()
        self.note_settings(settings)
        self.case.save(Path(path))
        self.path, self.dirty = Path(path), False
        self.events.dirty.emit(False)
        self.events.details.emit()

    # --- evidence and analysis -------------------------------------------------------------

    def take_in(self, result: FileFingerprint, once: bool = True) -> tuple[str, CaseItem | None]:
        """One fingerprinted file into the case: (ADDED, its item), ALREADY_IN, or LEFT_OUT by the scan.

        `once`: bytes the case already holds are not taken in again (a folder dropped twice
        into the window); without it every file is an exhibit, a copy marked as repeating
        the first (each file named on the command line).
        """
        if result.skipped:  # left out by the folder scan: logged with its reason, not an exhibit
            note_skipped(self.case, result)
            self.mark_dirty()
            return LEFT_OUT, None
        if once and already_in_case(self.case, result):
            return ALREADY_IN, None
        self.stamp_extractor()
        self.events.inserting.emit(len(self.case.items))
        item = take_in(self.case, result)
        self.events.inserted.emit(item)
        self.mark_dirty()
        return ADDED, item

    def analysis(self, settings: SessionSettings, stages: Sequence[str] = STAGES,
                 top: int | None = None) -> tuple[list[CaseItem], AnalysisRequest]:
        """The fingerprinted items and the analysis of them; the settings are recorded in the case."""
        if self.extractor is None:
            raise ValueError("no extractor is loaded")
        items = fingerprinted(self.case)
        if items:
            settings.record_in(self.case)
        return items, analysis_request(items, self.extractor, self.library, settings, tuple(stages), top=top)

    def record(self, items: list[CaseItem], stage: AnalysisStage) -> None:
        """Write one finished stage into the case, then say so."""
        record(self.case, items, stage)
        self.policy = stage.policy
        if isinstance(stage, Attributions):
            self.attribution_note = stage.note and f"Attribution needs enrolled generators: {stage.note}."
        self.mark_dirty()
        self.events.recorded.emit(stage, items)
