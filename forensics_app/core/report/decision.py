"""The decision policy a case was decided by, and each exhibit's attribution, as stored.

The report states what the analysis decided; it never decides again.  The policy is read
back from the case, never rebuilt from today's library or model card, and each
attribution is read from the record the workflow wrote.  Whatever is missing or cannot
be read (a case from an earlier version of the program, say) is reported as such, never
filled in with a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from forensics_app.core.case import Case, CaseItem, StoredAttribution
from forensics_app.core.decision.attribution import DecisionPolicy

@dataclass(frozen=True)
class StoredPolicy:
    """The case's decision policy, or None with the reason in `problem`."""

    policy: DecisionPolicy | None
    problem: str = ""


def read_policy(case: Case) -> StoredPolicy:
    """The case's stored :class:`DecisionPolicy`, or why there is none."""
    if case.settings.policy is not None:
        return StoredPolicy(case.settings.policy)
    return StoredPolicy(None, case.settings.policy_problem or "the case records no decision policy")


@dataclass(frozen=True)
class Decision(StoredAttribution):
    """What the analysis recorded for one exhibit: its stored attribution, with the exhibit's id."""

    exhibit: str = ""


def read_decision(item: CaseItem, record: StoredAttribution | None = None) -> Decision | None:
    """The exhibit's attribution (`record`, else the stored one), or None when it was not attributed."""
    record = record if record is not None else item.attribution
    if record is None:
        return None
    return Decision(record.decision, record.naming_lr, record.matches, record.closed_set_lr, record.condition,
                    exhibit=item.exhibit)


def decisions(case: Case, recomputed: dict[str, StoredAttribution] | None = None) -> dict[str, Decision]:
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
        if decision is not None and decision.matches:
            found[item.exhibit] = decision
    return found
