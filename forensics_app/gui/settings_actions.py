"""The analyst's settings acted on: the extractor on the chosen device with the chosen
crops, the naming level, the map's perplexity; and what of them a case records.

A changed setting redoes only what depends on it: the naming level the attribution and
the groups (both are decided by the policy), the perplexity the map, the crops the
fingerprints computed from now on.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMainWindow

from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, DecisionPolicy
from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.core.fingerprint.extractor import Extractor, ExtractorError
from forensics_app.gui import plain_messages as plain
from forensics_app.gui.analysis_runner import POLICY_STAGES
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.preferences import Preferences, load_preferences, save_preferences, torch_device
from forensics_app.gui.widgets.dialogs import SettingsDialog
from forensics_app.workflows.session import Session, SessionSettings, session_settings


class SettingsActions(QObject):
    """Owns the analyst's `preferences` and how the session's extractor follows them.

    `analysis_wanted(stages)`: a changed setting needs these stages redone;
    `extractor_changed(extractor)`: the extractor was loaded on another device;
    `changed()`: the settings changed (the status bar says them).
    """

    analysis_wanted = Signal(tuple)
    extractor_changed = Signal(object)
    changed = Signal()

    def __init__(self, session: Session, settings: QSettings, parent: QMainWindow, device: str | None = None) -> None:
        super().__init__(parent)
        self.session, self.settings, self.parent_window = session, settings, parent
        self.preferences: Preferences = load_preferences(settings)
        self.device_override = device if device not in (None, "") else None

    def load_extractor(self) -> bool:
        """Load the weights on the preferred (or overriding) device; False, with the reason
        in the session's `extractor_problem`, when that fails (the session keeps what it had)."""
        session = self.session
        device = self.device_override or torch_device(self.preferences.device)
        try:
            extractor = Extractor.load(device=device)
        except ExtractorError as exc:
            session.extractor_problem = str(exc)
            return False
        session.card, session.extractor, session.extractor_problem = extractor.card, extractor, None
        self.apply_crops()
        return True

    def apply_crops(self) -> None:
        """Crops per image is a preprocessing parameter: new fingerprints use the setting,
        while the session's `card` stays the card as shipped."""
        session = self.session
        if session.extractor is not None and session.card is not None:
            grid = 3 if self.preferences.crops == 9 else 1
            session.extractor.card = dataclasses.replace(session.card, preprocess=dataclasses.replace(
                session.card.preprocess, grid=grid))

    def session_settings(self) -> SessionSettings | None:
        """What the open case records of the settings besides the policy (the same fields,
        in the same way, as the commands record them); None without an extractor."""
        if self.session.extractor is None:
            return None
        return session_settings(self.session.extractor, perplexity=self.preferences.perplexity,
                                naming_lr=self.preferences.naming_lr)

    def edit(self) -> None:
        chosen = SettingsDialog.ask(self.parent_window, self.preferences, self.session.policy)
        if chosen is not None:
            self.apply(chosen)

    def apply(self, chosen: Preferences) -> None:
        """Save the settings and act on what changed: device, crops, naming level, perplexity."""
        session = self.session
        old, self.preferences = self.preferences, chosen
        if chosen.device != old.device and self.device_override is None:
            previous = session.extractor
            if self.load_extractor():
                self.extractor_changed.emit(session.extractor)
            else:
                plain.warning(self.parent_window, APP_TITLE, f"{session.extractor_problem}\nThe app stays on "
                              f"{previous.device if previous else 'no device'}.")
                session.extractor, session.extractor_problem = previous, None
                self.preferences = chosen = chosen.with_(device=old.device)
        save_preferences(self.settings, chosen)
        self.apply_crops()
        changes = [f"{field.name} {getattr(old, field.name)} -> {getattr(chosen, field.name)}"
                   for field in dataclasses.fields(Preferences) if getattr(old, field.name) != getattr(chosen, field.name)]
        if changes and session.case.items:
            session.audit("settings", "; ".join(changes))
        stages = (POLICY_STAGES if old.naming_lr != chosen.naming_lr else ()) + \
            (("map",) if old.perplexity != chosen.perplexity else ())
        if stages:
            self.analysis_wanted.emit(stages)
        self.changed.emit()


def policy_status(policy: DecisionPolicy | None, naming_lr: float | None) -> tuple[str, str]:
    """Status-bar text and its tooltip: the policy the open case was decided by, in words;
    before any analysis, the level that will be used."""
    if policy is None:
        level = naming_lr or DEFAULT_NAMING_LR
        return (f"Naming at LR {format_lr(level)}",
                "The decision policy is calibrated when the images are analysed (Edit > Settings shows it).")
    return f"Naming at LR {format_lr(policy.naming_lr)} ({support_words(policy.naming_lr)})", policy.describe()
