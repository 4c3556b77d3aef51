"""What a case records of how its results were made: the extractor and the settings.

The settings hold the decision policy every stored result was decided by, and the
session settings the fingerprints and map depend on (crops, device, pixel limit,
perplexity).  Reading them back never trusts the file: a policy that cannot be read, or
whose stated thresholds and naming level are not the ones its calibrations give, is
kept as a problem for the case's re-check to report, never silently repaired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from forensics_app.core.decision.attribution import DecisionPolicy

#: Settings keys this version reads; any other key a case holds (the similarity threshold
#: an earlier version recorded, say) is kept as it was.
_KNOWN = ("crops", "device", "max_pixels", "perplexity", "policy", "naming_lr")


@dataclass(frozen=True)
class ExtractorStamp:
    """The extractor a case was fingerprinted with: its id, weights hash and calibration.

    The calibration is kept so that a report can state how scores were calibrated even
    when other weights are installed by the time it is written.
    """

    id: str
    sha256: str = ""
    calibration: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "calibration": dict(self.calibration)}

    @classmethod
    def from_dict(cls, data: Any) -> "ExtractorStamp | None":
        if not isinstance(data, dict) or not data.get("id"):
            return None
        calibration = data.get("calibration")
        return cls(str(data["id"]), str(data.get("sha256") or ""), dict(calibration) if isinstance(calibration, dict) else {})


def extractor_stamp(card) -> ExtractorStamp:
    """What a case records of the extractor described by `card` (a ModelCard)."""
    return ExtractorStamp(card.extractor_id, card.sha256, card.calibration.to_dict())


@dataclass
class CaseSettings:
    """The settings a case's results depend on; None where a case does not record one."""

    crops: int | None = None
    device: str | None = None
    max_pixels: int | None = None
    perplexity: float | None = None
    policy: DecisionPolicy | None = None
    #: Keys written by another version of the program, kept as they were read.
    other: dict = field(default_factory=dict)
    #: Set when reading, never saved: why a stored policy could not be read ('' when it could).
    policy_problem: str = field(default="", compare=False)
    #: The policy and naming level as read, when reading found them wrong: written back as
    #: they were, so a save never repairs what the re-check reported, until a new analysis.
    _as_read: dict | None = field(default=None, compare=False, repr=False)

    @property
    def naming_lr(self) -> float | None:
        return self.policy.naming_lr if self.policy is not None else None

    def decided_by(self, policy: DecisionPolicy) -> None:
        """A new analysis's policy: it replaces what was stored, readable or not."""
        self.policy, self.policy_problem, self._as_read = policy, "", None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.other)
        for key in ("crops", "device", "max_pixels", "perplexity"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self._as_read is not None:
            data.update(self._as_read)
        elif self.policy is not None:
            data["policy"], data["naming_lr"] = self.policy.to_dict(), self.policy.naming_lr
        return data

    @classmethod
    def from_dict(cls, data: Any) -> tuple["CaseSettings", list[str]]:
        """The settings back, with what reading them found wrong (empty when nothing)."""
        if not isinstance(data, dict):
            return cls(), ([f"the case's settings are not a record ({type(data).__name__})"] if data else [])
        problems: list[str] = []
        policy, policy_problem = None, ""
        stored = data.get("policy")
        if stored:
            try:
                policy = DecisionPolicy.from_dict(stored)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                policy_problem = f"the stored decision policy cannot be read ({exc!r})"
                problems.append(policy_problem)
        if policy is not None:
            problems += _stated_problems(stored, data, policy)
        as_read = {k: data[k] for k in ("policy", "naming_lr") if k in data} if problems else None
        settings = cls(_number(data.get("crops"), int), _text(data.get("device")), _number(data.get("max_pixels"), int),
                       _number(data.get("perplexity"), float), policy,
                       {k: v for k, v in data.items() if k not in _KNOWN}, policy_problem, as_read)
        return settings, problems


def _stated_problems(stored: dict, data: dict, policy: DecisionPolicy) -> list[str]:
    """Where the thresholds and naming level a case states are not those its policy gives."""
    problems = []
    for key, value in (("threshold", policy.threshold), ("pair_threshold", policy.pair_threshold)):
        if key in stored and not same_number(stored[key], value):
            problems.append(f"the policy states a {key.replace('_', ' ')} of {stored[key]!r}, but its "
                            f"calibration gives {value!r}")
    stated = data.get("naming_lr")
    if stated is not None and not same_number(stated, policy.naming_lr):
        problems.append(f"the settings state a naming level of {stated!r}, the policy {policy.naming_lr:g}")
    if "threshold" in data and not same_number(data["threshold"], policy.threshold):
        problems.append(f"the settings state a threshold of {data['threshold']!r}, but the policy "
                        f"gives {policy.threshold!r}")
    return problems


def same_number(stated: Any, value: float | None) -> bool:
    """A stated number is the computed one (both None counts as the same)."""
    if value is None or stated is None:
        return stated is None and value is None
    try:
        return math.isclose(float(stated), float(value), rel_tol=1e-6, abs_tol=1e-9)
    except (TypeError, ValueError):
        return False


def _number(value: Any, kind: type) -> Any:
    try:
        return kind(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
