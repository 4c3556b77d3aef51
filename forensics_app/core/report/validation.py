"""The extractor's known error rates, as its model card states them, or why they are unknown.

A conclusion without the rate at which the method errs cannot be weighed, so the report
quotes the validation the card records for real generators (`forensics-app evaluate`
on a labelled dataset: `figures.dev_generators`).  Those figures are sealed in the card
with the weights, and are used only when the card is the one the case was computed
with; otherwise the report says the method is not validated, plainly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from forensics_app.core.case import Case
from forensics_app.core.fingerprint.extractor import ModelCard

#: The figures without which the section cannot say what the error rates are.
REQUIRED = ("accuracy", "cllr", "cllr_min", "misleading", "open_set")


@dataclass(frozen=True)
class Validation:
    """The card's validation on real generators (`figures`), or None and why (`problem`)."""

    figures: dict[str, Any] | None
    problem: str = ""
    background: dict[str, Any] = field(default_factory=dict)

    @property
    def validated(self) -> bool:
        return self.figures is not None


def read_validation(card: ModelCard | None, case: Case) -> Validation:
    """The dev-set figures of the card the case was computed with, or the reason there are none."""
    if card is None:
        return Validation(None, "the extractor's model card was not available when this report was written")
    if case.extractor is None or card.extractor_id != case.extractor.id:
        return Validation(None, f"the installed extractor {card.extractor_id} is not the one the case was computed "
                                "with, so its validation does not apply")
    background = card.extra.get("background") or {}
    figures = (card.extra.get("figures") or {}).get("dev_generators")
    if not isinstance(figures, dict) or not figures:
        return Validation(None, "the extractor's model card records no validation on real generators", background)
    missing = [key for key in REQUIRED if figures.get(key) is None]
    if missing:
        return Validation(None, "the extractor's model card lacks the validation figures " + ", ".join(missing),
                          background)
    return Validation(figures, "", background)


def rate(value: object) -> str:
    """A proportion as a percentage with one decimal, or 'not measured'."""
    number = _finite(value)
    return "not measured" if number is None else f"{100.0 * number:.1f}%"


def figure(value: object, digits: int = 3) -> str:
    number = _finite(value)
    return "not measured" if number is None else f"{number:.{digits}f}"


def pair_figures(found: dict) -> str:
    """One row of pair validation (`tools/matched_study.py`), misleading rates included, in words."""
    return (f"ROC-AUC {figure(found.get('auc'))}; {rate(found.get('same_above_10'))} of same-source pairs got an LR "
            f"above 10 and {rate(found.get('same_below_1'))} below 1 (misleading); "
            f"{rate(found.get('different_below_tenth'))} of different-source pairs got an LR below 1/10 and "
            f"{rate(found.get('different_above_1'))} above 1 (misleading)")


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(float(value)) else None
