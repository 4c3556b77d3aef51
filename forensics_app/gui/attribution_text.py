"""How one image's attribution reads in the window, the same in every view.

The table, the map, the matches pane and the CSV all read the dict that
`workflows.analyse.record` stored; reading it here once keeps them from disagreeing:
a generator is shown as named only where the decision policy named it, and an
unsupported decision is spelt with core's constants, never with a word of our own.
"""

from __future__ import annotations

from forensics_app.core.decision.attribution import UNKNOWN, UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.decision.likelihood import format_lr, readable_lr, support_words

#: How the first-ranked generator of an image no generator is named for is marked.
NOT_NAMED = "(not named)"


def ranking(item: CaseItem) -> list[dict]:
    """Every enrolled generator, most similar first (empty when not attributed)."""
    return list((item.attribution or {}).get("matches") or [])


def top_match(item: CaseItem) -> dict | None:
    matches = ranking(item)
    return matches[0] if matches else None


def is_named(item: CaseItem) -> bool:
    decision = (item.attribution or {}).get("decision")
    return bool(decision) and decision != UNKNOWN


def named_match(item: CaseItem) -> dict | None:
    """The match of the generator the policy named; None when none was named."""
    if not is_named(item):
        return None
    decision = item.attribution["decision"]
    return next((m for m in ranking(item) if m.get("generator") == decision), None)


def decision_text(item: CaseItem) -> str:
    """The named generator, `UNKNOWN_TEXT`, or empty when the image was not attributed."""
    if not item.attribution:
        return ""
    return item.attribution["decision"] if is_named(item) else UNKNOWN_TEXT


def naming_lr(item: CaseItem) -> float | None:
    value = (item.attribution or {}).get("naming_lr")
    return None if value is None else float(value)


def lr_of(match: dict | None) -> float | None:
    """The match's likelihood ratio (None for a case analysed before LRs were stored, or one
    whose value is not a positive number: the case's re-check reports that)."""
    return readable_lr((match or {}).get("lr"))


def lr_text(match: dict | None) -> str:
    lr = lr_of(match)
    return "" if lr is None else format_lr(lr)


def words_of(match: dict | None) -> str:
    """The ENFSI words of the match's LR ('moderately strong support', ...)."""
    lr = lr_of(match)
    if lr is None:
        return ""
    return str((match or {}).get("words") or support_words(lr))
