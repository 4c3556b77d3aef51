"""How one image's attribution reads in the window, the same in every view.

The table, the map, the matches pane and the CSV all read the attribution that
`workflows.analyse.record` stored; reading it here once keeps them from disagreeing:
a generator is shown as named only where the decision policy named it, and an
unsupported decision is spelt with core's constants, never with a word of our own.
"""

from __future__ import annotations

from forensics_app.core.case import CaseItem, RankedMatch
from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.decision.likelihood import format_lr

#: How the first-ranked generator of an image no generator is named for is marked.
NOT_NAMED = "(not named)"


def ranking(item: CaseItem) -> tuple[RankedMatch, ...]:
    """Every enrolled generator, most similar first (empty when not attributed)."""
    return item.attribution.matches if item.attribution is not None else ()


def top_match(item: CaseItem) -> RankedMatch | None:
    return item.attribution.best if item.attribution is not None else None


def is_named(item: CaseItem) -> bool:
    return item.attribution is not None and item.attribution.named


def named_match(item: CaseItem) -> RankedMatch | None:
    """The match of the generator the policy named; None when none was named."""
    if not is_named(item):
        return None
    return next((m for m in ranking(item) if m.generator == item.attribution.decision), None)


def decision_text(item: CaseItem) -> str:
    """The named generator, `UNKNOWN_TEXT`, or empty when the image was not attributed."""
    if item.attribution is None:
        return ""
    return item.attribution.decision if item.attribution.named else UNKNOWN_TEXT


def naming_lr(item: CaseItem) -> float | None:
    return item.attribution.naming_lr if item.attribution is not None else None


def lr_of(match: RankedMatch | None) -> float | None:
    """The match's likelihood ratio (None for a case analysed before LRs were stored, or one
    whose value is not a positive number: the case's re-check reports that)."""
    return match.lr if match is not None else None


def lr_text(match: RankedMatch | None) -> str:
    lr = lr_of(match)
    return "" if lr is None else format_lr(lr)


def words_of(match: RankedMatch | None) -> str:
    """The ENFSI words of the match's LR ('moderately strong support', ...)."""
    return match.words if match is not None and match.lr is not None else ""
