"""What a case stores of each exhibit's attribution, typed, read back without trusting it.

An attribution is written once by the analysis (from a
:class:`~forensics_app.core.decision.attribution.Attribution` and the condition it was
compared in) and read by the window, the commands, the report and the re-check.  A case
file may come from an earlier version of the program or have been edited, so reading
never guesses: a likelihood ratio that is not a finite positive number is read as None
and a similarity as NaN, and the re-check (:mod:`~forensics_app.core.case.check`) says
what the fingerprints give instead.  Only a record that is not an attribution at all is
refused, with the reason (:class:`UnreadableAttribution`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from forensics_app.core.decision.attribution import UNKNOWN, Attribution
from forensics_app.core.decision.conditions import ComparedCondition
from forensics_app.core.decision.likelihood import readable_lr, support_words


class UnreadableAttribution(ValueError):
    """A stored attribution is not a record of one; the message says what it is instead."""


@dataclass(frozen=True)
class RankedMatch:
    """One enrolled generator in an exhibit's ranking; `lr` is None where none was stored."""

    generator: str
    similarity: float
    lr: float | None

    @property
    def words(self) -> str:
        if self.lr is None:
            return "no likelihood ratio stored"
        return support_words(self.lr) + (" for another source" if self.lr < 1.0 else "")

    def to_dict(self) -> dict[str, Any]:
        return {"generator": self.generator, "similarity": self.similarity, "lr": self.lr, "words": self.words}


@dataclass(frozen=True)
class StoredAttribution:
    """An exhibit's ranking of the enrolled generators and the policy's decision, as the case keeps it."""

    decision: str  # the generator named, or UNKNOWN
    naming_lr: float | None
    matches: tuple[RankedMatch, ...]
    closed_set_lr: float | None = None  # the first-ranked generator against the other enrolled ones
    condition: ComparedCondition | None = None  # how it was compared; None: as stored, before conditions

    @property
    def named(self) -> bool:
        return self.decision != UNKNOWN

    @property
    def best(self) -> RankedMatch | None:
        return self.matches[0] if self.matches else None

    @property
    def matched(self) -> bool:
        """Compared with references re-encoded to the exhibit's condition (or to the one it was brought down to)."""
        return self.condition is not None and self.condition.matched

    @property
    def brought_down(self) -> bool:
        """Re-encoded itself, down to the library's most compressed reference, and compared there."""
        return self.matched and self.condition.brought_down

    @property
    def comparison(self) -> str:
        """How it was compared, in words ('' when as stored)."""
        return self.condition.words() if self.condition is not None else ""

    def with_condition(self, condition: ComparedCondition | None) -> "StoredAttribution":
        return replace(self, condition=condition)

    @classmethod
    def of(cls, attribution: Attribution, condition: ComparedCondition | None = None) -> "StoredAttribution":
        """What the case stores of an attribution just computed."""
        return cls(attribution.decision, attribution.naming_lr,
                   tuple(RankedMatch(m.generator, m.similarity, m.lr) for m in attribution.matches),
                   attribution.closed_set_lr, condition)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"decision": self.decision, "naming_lr": self.naming_lr,
                                "matches": [m.to_dict() for m in self.matches]}
        if self.closed_set_lr is not None:
            data["closed_set_lr"] = self.closed_set_lr
        if self.condition is not None:
            data["condition"] = self.condition.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "StoredAttribution":
        """A stored record back; UnreadableAttribution when it is not an attribution's record."""
        if not isinstance(data, dict):
            raise UnreadableAttribution(f"it is {type(data).__name__}, not a record")
        matches = data.get("matches")
        if not isinstance(matches, list) or not all(isinstance(m, dict) for m in matches):
            raise UnreadableAttribution("its ranking is not a list of generators")
        return cls(str(data.get("decision") or UNKNOWN), readable_lr(data.get("naming_lr")),
                   tuple(RankedMatch(str(m.get("generator")), _similarity(m.get("similarity")),
                                     readable_lr(m.get("lr"))) for m in matches),
                   readable_lr(data.get("closed_set_lr")), ComparedCondition.from_dict(data.get("condition")))


def _similarity(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan
