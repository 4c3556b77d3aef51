"""The analyst's settings acted on: the extractor on the chosen device with the chosen
crops, the naming level, the map's perplexity; and what of them a case records.

A changed setting redoes only what depends on it: the naming level the attribution and
the groups (both are decided by the policy), the perplexity the map, the crops the
fingerprints computed from now on.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from forensics_app.gui import plain_messages as plain
from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, DecisionPolicy
from forensics_app.core.case import Case
from forensics_app.core.fingerprint.extractor import Extractor, ExtractorError
from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.gui.analysis_runner import POLICY_STAGES
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.preferences import Preferences, save_preferences, torch_device
from forensics_app.gui.widgets.dialogs import SettingsDialog
from forensics_app.workflows.session import session_settings

if TYPE_CHECKING:
    from forensics_app.gui.main_window import MainWindow


class SettingsActions(QObject):
    """Owns how `window.extractor`, `window.card` and `window.preferences` change."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def load_extractor(self) -> bool:
        """Load the weights on the preferred (or overriding) device; False, with the reason
        in `window.extractor_problem`, when that fails (the window keeps what it had)."""
        w = self.window
        device = w.device_override or torch_device(w.preferences.device)
        try:
            extractor = Extractor.load(device=device)
        except ExtractorError as exc:
            w.extractor_problem = str(exc)
            return False
        w.card, w.extractor, w.extractor_problem = extractor.card, extractor, None
        self.apply_crops()
        return True

    def apply_crops(self) -> None:
        """Crops per image is a preprocessing parameter: new fingerprints use the setting,
        while `window.card` stays the card as shipped."""
        w = self.window
        if w.extractor is not None and w.card is not None:
            grid = 3 if w.preferences.crops == 9 else 1
            w.extractor.card = dataclasses.replace(w.card, preprocess=dataclasses.replace(w.card.preprocess, grid=grid))

    def note_in(self, case: Case) -> None:
        """What the case records of the settings besides the policy, which `record` writes
        (the same fields, in the same way, as an analysis and the commands record them)."""
        w = self.window
        if w.extractor is not None:
            session_settings(w.extractor, perplexity=w.preferences.perplexity).record_in(case)

    def edit(self) -> None:
        chosen = SettingsDialog.ask(self.window, self.window.preferences, self.window.policy)
        if chosen is not None:
            self.apply(chosen)

    def apply(self, chosen: Preferences) -> None:
        """Save the settings and act on what changed: device, crops, naming level, perplexity."""
        w = self.window
        old, w.preferences = w.preferences, chosen
        if chosen.device != old.device and w.device_override is None:
            previous = w.extractor
            if self.load_extractor():
                w.library.extractor = w.extractor
            else:
                plain.warning(w, APP_TITLE, f"{w.extractor_problem}\nThe app stays on "
                                    f"{previous.device if previous else 'no device'}.")
                w.extractor, w.extractor_problem = previous, None
                w.preferences = chosen = chosen.with_(device=old.device)
        save_preferences(w.settings, chosen)
        self.apply_crops()
        changes = [f"{field.name} {getattr(old, field.name)} -> {getattr(chosen, field.name)}"
                   for field in dataclasses.fields(Preferences) if getattr(old, field.name) != getattr(chosen, field.name)]
        if changes and w.case.items:
            w.audit("settings", "; ".join(changes))
        stages = (POLICY_STAGES if old.naming_lr != chosen.naming_lr else ()) + \
            (("map",) if old.perplexity != chosen.perplexity else ())
        if stages:
            w.runner.schedule_analysis(stages)
        w.update_status()


def policy_status(policy: DecisionPolicy | None, naming_lr: float | None) -> tuple[str, str]:
    """Status-bar text and its tooltip: the policy the open case was decided by, in words;
    before any analysis, the level that will be used."""
    if policy is None:
        level = naming_lr or DEFAULT_NAMING_LR
        return (f"Naming at LR {format_lr(level)}",
                "The decision policy is calibrated when the images are analysed (Edit > Settings shows it).")
    return f"Naming at LR {format_lr(policy.naming_lr)} ({support_words(policy.naming_lr)})", policy.describe()
