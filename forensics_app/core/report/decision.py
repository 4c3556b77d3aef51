"""The decision policy a case was decided by, and each exhibit's attribution, as stored.

The report states what the analysis decided; it never decides again.  The policy is read
back from the case, never rebuilt from today's library or model card, and each
attribution is read from the record the workflow wrote.  Whatever is missing or cannot
be read (a case from an earlier version of the program, say) is reported as such, never
filled in with a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from forensics_app.core.decision.attribution import UNKNOWN, DecisionPolicy
from forensics_app.core.decision.likelihood import readable_lr
from forensics_app.core.case import Case, CaseItem
from forensics_app.core.decision.conditions import comparison_words


@dataclass(frozen=True)
class StoredPolicy:
    """The case's decision policy, or None with the reason in `problem`."""

    policy: DecisionPolicy | None
    problem: str = ""


def read_policy(case: Case) -> StoredPolicy:
    """`case.settings["policy"]` as a :class:`DecisionPolicy`, or why there is none."""
    data = case.settings.get("policy")
    if not data:
        return StoredPolicy(None, "the case records no decision policy")
    try:
        return StoredPolicy(DecisionPolicy.from_dict(data))
    except (KeyError, TypeError, ValueError) as exc:
        return StoredPolicy(None, f"the decision policy stored in the case cannot be read ({exc})")


@dataclass(frozen=True)
class Ranked:
    """One enrolled generator in an image's ranking; `lr` is None in cases that stored none."""

    generator: str
    similarity: float
    lr: float | None


@dataclass(frozen=True)
class Decision:
    """What the analysis recorded for one exhibit: the ranking and the policy's decision."""

    exhibit: str
    ranking: tuple[Ranked, ...]
    decision: str  # the generator named, or UNKNOWN
    naming_lr: float | None
    closed_set_lr: float | None = None  # the first-ranked generator against the other enrolled ones
    comparison: str = ""  # how it was compared: in a matched condition, or why not (core.conditions)
    matched: bool = False  # compared with references re-encoded to its condition

    @property
    def named(self) -> bool:
        return self.decision != UNKNOWN

    @property
    def first(self) -> Ranked | None:
        return self.ranking[0] if self.ranking else None


def _similarity(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def read_decision(item: CaseItem, record: dict | None = None) -> Decision | None:
    """The exhibit's attribution (`record`, else the stored one), or None when it was not attributed."""
    record = record if record is not None else item.attribution
    if not record or not isinstance(record, dict):
        return None  # nothing, or nothing readable (the case's re-check says which)
    matches = record.get("matches") if isinstance(record.get("matches"), list) else []
    ranking = tuple(Ranked(str(m.get("generator")), _similarity(m.get("similarity")), readable_lr(m.get("lr")))
                    for m in matches if isinstance(m, dict))
    condition = record.get("condition") if isinstance(record.get("condition"), dict) else None
    return Decision(item.exhibit, ranking, str(record.get("decision") or UNKNOWN), readable_lr(record.get("naming_lr")),
                    readable_lr(record.get("closed_set_lr")), comparison_words(condition),
                    bool(condition and condition.get("matched")))


def decisions(case: Case, recomputed: dict[str, dict] | None = None) -> dict[str, Decision]:
    """Every attributed exhibit's decision, by exhibit id, in case order.

    `recomputed` (exhibit -> attribution recomputed from the stored fingerprint, see
    :mod:`~forensics_app.core.case.check`) replaces the stored record wherever it exists,
    so the report states what the fingerprints give, not what the file says.
    """
    recomputed = recomputed or {}
    found = {}
    for item in case.items:
        if not item.attribution:
            continue
        decision = read_decision(item, recomputed.get(item.exhibit))
        if decision is not None and decision.ranking:
            found[item.exhibit] = decision
    return found
