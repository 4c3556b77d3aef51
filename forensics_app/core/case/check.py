"""Re-check a case: do its stored conclusions follow from its stored fingerprints?

A case file is JSON that anyone can edit.  Its seal and hash-chained audit log (see
:mod:`~forensics_app.core.case`) show careless edits; this module catches careful ones
by recomputing what the case states from what it holds:

* every exhibit numbered in sequence, each with its intake or rejection in the audit log
  (a deleted exhibit leaves a gap, or an entry without its exhibit, unless the analyst removed
  it through the program, which logs a "removed" entry with the reason);
* the decision policy rebuilt from its calibrations: its stated thresholds, and the
  naming level each attribution and the settings record, must be the ones it gives;
* every attribution recomputed with :func:`~forensics_app.core.decision.attribution.attribute`
  from the exhibit's stored fingerprint, the gallery of generator means saved with the
  library snapshot, and the policy: the decision, the ranking, the similarities and the
  likelihood ratios must agree (an edited score or a swapped fingerprint does not);
* the groups recomputed from the fingerprints at the policy's pair threshold.

A probe brought down to references more compressed than it is recomputed from the
fingerprint it was compared with, which its attribution keeps; its file must then be
stored with less loss than that condition.

What cannot be recomputed (a case saved before galleries were kept) is said, never
assumed to hold.  The report states the recomputed results, not the stored ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from forensics_app.core.decision.grouping import groups_at
from forensics_app.core.decision.attribution import DecisionPolicy, attribute
from forensics_app.core.decision.conditions import condition_of
from forensics_app.core.case.model import AuditEntry, Case, CaseItem
from forensics_app.core.case.results import StoredAttribution
from forensics_app.core.case.settings import same_number as _same

__all__ = ["INTEGRITY_ACTION", "CaseCheck", "check_case", "failed_openings"]

#: The audit action that records a re-check which failed when the case was opened.
INTEGRITY_ACTION = "integrity"

_SIMILARITY_TOL = 1e-4
_LOG_LR_TOL = 1e-3
_EXHIBIT_RE = re.compile(r"E(\d{4,})")
#: Groups are recomputed up to this many exhibits (average linkage needs N x N memory).
MAX_REGROUP = 5000


@dataclass
class CaseCheck:
    """What the re-check found: disagreements, what could not be checked, recomputed results."""

    problems: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    recomputed: dict[str, StoredAttribution] = field(default_factory=dict)  # by exhibit
    checked: int = 0  # attributions recomputed

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for a status bar, an audit entry or a check in the report."""
        if self.problems:
            return f"{len(self.problems)} disagreement(s) between what the case states and what it holds"
        done = f"{self.checked} attribution(s) recomputed from the stored fingerprints and agree"
        return done + (f"; not rechecked: {'; '.join(self.unchecked)}" if self.unchecked else "")


def failed_openings(case: Case) -> list[AuditEntry]:
    """The openings at which the case failed its re-check, as its audit log keeps them.

    A case saved after such an opening is sealed anew; these entries keep the failure on
    record, so every later report and the report command's exit status still show it.
    """
    return [entry for entry in case.audit if entry.action == INTEGRITY_ACTION]


def check_case(case: Case) -> CaseCheck:
    """Every check above; never raises on a damaged case, it reports it."""
    result = CaseCheck(problems=list(case.load_problems))
    _check_exhibits(case, result)
    policy = _check_policy(case, result)
    attributed = [i for i in case.items if i.attribution]
    if attributed:
        if policy is None:
            result.unchecked.append("attributions (no readable decision policy)")
        else:
            _check_attributions(case, attributed, policy, result)
    clustered = [i for i in case.items if i.cluster is not None]
    if clustered and policy is not None:
        _check_groups(clustered, policy, result)
    return result


def _check_exhibits(case: Case, result: CaseCheck) -> None:
    numbers = []
    for item in case.items:
        match = _EXHIBIT_RE.fullmatch(str(item.exhibit))
        if match is None:
            result.problems.append(f"exhibit id {item.exhibit!r} is not one the program gives")
            continue
        numbers.append(int(match.group(1)))
    removed = {entry.detail.split(" ", 1)[0] for entry in case.audit if entry.action == "removed"}
    unexplained = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers)
                         - {int(m.group(1)) for m in map(_EXHIBIT_RE.fullmatch, removed) if m})
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers) or unexplained:
        gap = f"; missing: {', '.join(f'E{n:04d}' for n in unexplained[:10])}" if unexplained else ""
        result.problems.append(f"the exhibits are not numbered E0001 to E{max(numbers, default=0):04d} in order"
                               f"{gap}: exhibits were removed or reordered outside the program")
    logged = {}
    for entry in case.audit:
        if entry.action in ("intake", "rejected"):
            logged.setdefault(entry.detail.split(" ", 1)[0], entry)
    for exhibit in removed:
        logged.pop(exhibit, None)  # taken out by the analyst, with the reason logged
    for item in case.items:
        entry = logged.pop(item.exhibit, None)
        if entry is None:
            result.problems.append(f"{item.exhibit} has no intake entry in the audit log")
        elif (entry.action == "rejected") != bool(item.error):
            result.problems.append(f"{item.exhibit} was logged as {entry.action} but is stored as "
                                   f"{'rejected' if item.error else 'taken in'}")
        elif item.sha256 and entry.sha256 != item.sha256:
            result.problems.append(f"{item.exhibit}: its SHA-256 differs from the one logged at intake")
    for exhibit in logged:
        result.problems.append(f"the audit log records the intake of {exhibit}, which is not in the case: "
                               "an exhibit was removed")


def _check_policy(case: Case, result: CaseCheck) -> DecisionPolicy | None:
    """The stored policy; its stated thresholds and level were checked as it was read (load problems)."""
    policy = case.settings.policy
    if policy is None and not case.settings.policy_problem:
        if any(i.attribution for i in case.items) or any(i.cluster is not None for i in case.items):
            result.problems.append("the case states results but records no decision policy")
    return policy


def _check_attributions(case: Case, items: list[CaseItem], policy: DecisionPolicy, result: CaseCheck) -> None:
    saved = case.library.gallery if case.library is not None else None
    damaged = case.library.gallery_problem if case.library is not None else ""
    if damaged:  # saved, then made unreadable: what it would check cannot stand unchecked
        result.problems.append(f"the attributions cannot be recomputed: {damaged}")
        return
    if saved is None:
        result.unchecked.append("attributions (no gallery was saved; the case was analysed before galleries were saved)")
        return
    names, gallery = list(saved.names), saved.means
    usable = [i for i in items if i.embedding is not None and i.embedding.shape == (gallery.shape[1],)]
    for item in items:
        if item not in usable:
            result.problems.append(f"{item.exhibit} states an attribution but holds no usable fingerprint")
    if not usable:
        return
    by_condition: dict[str, list[CaseItem]] = {}
    for item in usable:
        by_condition.setdefault(_matched_key(item), []).append(item)
    down = [i for i in usable if i.attribution.brought_down]
    floors = sorted({i.attribution.condition.key for i in down})
    if len(floors) > 1:  # one library, one most compressed reference
        result.problems.append("images are stated to be brought down to more than one condition: " + ", ".join(floors))
    if down:
        result.unchecked.append(f"the re-encoding of {len(down)} image(s) brought down to the library's most "
                                "compressed reference (it needs their files; the attributions are recomputed from "
                                "the fingerprints the case keeps)")
    compared = {i.exhibit: _compared_fingerprint(i, gallery.shape[1]) for i in usable}
    for key, members in by_condition.items():
        used = (names, gallery, policy) if not key else _matched(case, key)
        if used is None:
            result.problems += [f"{i.exhibit}: it states a comparison in matched condition {key!r}, which the case's "
                                "library snapshot does not hold or cannot be read" for i in members]
            continue
        if key:
            why = _matched_problem(key, used, gallery.shape[1], policy)
            stated = [i for i in members if not _condition_fits(i, key)]
            result.problems += [f"{i.exhibit}: it states matched condition {key!r}, which its file's JPEG tables do "
                                "not give" for i in stated]
            unreadable = [i for i in members if compared[i.exhibit] is None]
            result.problems += [f"{i.exhibit}: its fingerprint brought down to matched condition {key!r} is "
                                "missing or unreadable" for i in unreadable]
            members = [i for i in members if i not in unreadable]
            if not members:
                continue
            if why:
                result.problems += [f"{i.exhibit}: matched condition {key!r}: {why}" for i in members]
                continue
        recomputed = attribute(np.stack([compared[i.exhibit] for i in members]), *used)
        for item, fresh in zip(members, recomputed):
            # matched or not, the record of how it was compared stays
            recomputed = StoredAttribution.of(fresh, item.attribution.condition)
            result.recomputed[item.exhibit] = recomputed
            result.checked += 1
            why = _disagreement(item.attribution, recomputed)
            if why:
                result.problems.append(f"{item.exhibit}: {why}")


def _matched_problem(key: str, used: tuple, dim: int, policy: DecisionPolicy) -> str:
    """Why a saved matched gallery and policy cannot stand beside the case's own policy ('' when they can)."""
    _, gallery, matched_policy = used
    if gallery.shape[1] != dim:
        return f"its gallery holds {gallery.shape[1]} values per generator, the fingerprints {dim}"
    if not _same(matched_policy.naming_lr, policy.naming_lr):
        return (f"its policy names at LR {matched_policy.naming_lr:g}, the case's policy at {policy.naming_lr:g}: "
                "it was edited outside the program")
    return ""


def _condition_fits(item: CaseItem, key: str) -> bool:
    """The file's JPEG tables give `key`; or, for a probe brought down, a condition less compressed than it."""
    own, compared = condition_of(item.provenance), item.attribution.condition
    if compared.brought_down:
        return compared.quality is not None and (not own.matched or own.jpeg_quality > compared.quality)
    return own.key == key


def _compared_fingerprint(item: CaseItem, dim: int) -> np.ndarray | None:
    """The fingerprint the attribution was computed from: the exhibit's own, or the one brought down."""
    compared = item.attribution.condition if item.attribution is not None else None
    if compared is None or not compared.matched or not compared.brought_down:
        return item.embedding
    values = np.asarray(compared.fingerprint, dtype=np.float32)
    if values.shape != (dim,) or not np.isfinite(values).all() or abs(float(np.linalg.norm(values)) - 1.0) > 1e-3:
        return None  # every fingerprint the program makes has unit length
    return values


def _matched_key(item: CaseItem) -> str:
    """The condition an attribution was compared in ('' for references as stored)."""
    return item.attribution.condition.key if item.attribution and item.attribution.matched else ""


def _matched(case: Case, key: str) -> tuple[list[str], np.ndarray, DecisionPolicy] | None:
    """The matched gallery and policy the case's snapshot saved for condition `key`."""
    record = case.library.matched.get(key) if case.library is not None else None
    if record is None or record.gallery is None or record.policy is None:
        return None
    return list(record.gallery.names), record.gallery.means, record.policy


def _disagreement(stored: StoredAttribution, fresh: StoredAttribution) -> str | None:
    """How a stored attribution differs from the recomputed one, or None."""
    if stored.decision != fresh.decision:
        return f"the case states the decision {stored.decision!r}; the stored fingerprint gives {fresh.decision!r}"
    if not _same(stored.naming_lr, fresh.naming_lr):
        return f"the attribution states a naming level of {stored.naming_lr!r}, the policy {fresh.naming_lr:g}"
    if not stored.matches:
        return "the attribution states no ranking"
    for rank, (old, new) in enumerate(zip(stored.matches, fresh.matches), start=1):
        if old.generator != new.generator:
            return f"rank {rank} is stated as {old.generator!r}; the stored fingerprint ranks {new.generator!r}"
        if math.isnan(old.similarity) or old.lr is None:
            return f"rank {rank} states no readable similarity or likelihood ratio"
        if not abs(old.similarity - new.similarity) <= _SIMILARITY_TOL:
            return (f"{new.generator}: the similarity is stated as {old.similarity:.4f}; the stored fingerprint "
                    f"gives {new.similarity:.4f}")
        if not _same_lr(old.lr, new.lr):
            return f"{new.generator}: the likelihood ratio is stated as {old.lr:.4g}; the stored fingerprint gives {new.lr:.4g}"
    if len(stored.matches) > len(fresh.matches):
        return "the ranking names more generators than the library held"
    stated, computed = stored.closed_set_lr, fresh.closed_set_lr
    if (stated is None) != (computed is None) or (computed is not None and not _same_lr(stated, computed)):
        return f"the closed-set likelihood ratio is stated as {stated!r}; the stored fingerprint gives {computed!r}"
    return None


def _same_lr(stated: float | None, computed: float | None) -> bool:
    if stated is None or computed is None:
        return stated is computed
    return stated > 0 and abs(math.log10(stated) - math.log10(computed)) <= _LOG_LR_TOL


def _check_groups(items: list[CaseItem], policy: DecisionPolicy, result: CaseCheck) -> None:
    usable = [i for i in items if i.embedding is not None]
    if len(usable) != len(items):
        result.problems.append("a group is stated for an exhibit that holds no fingerprint")
    if len(usable) > MAX_REGROUP:
        result.unchecked.append(f"groups ({len(usable):,} exhibits, above the {MAX_REGROUP:,} re-checked)")
        return
    if not usable or len({i.embedding.shape for i in usable}) != 1:
        return
    fresh = groups_at(np.stack([i.embedding for i in usable]), policy.pair_threshold)
    pairs: dict[int, int] = {}
    back: dict[int, int] = {}
    for item, label in zip(usable, fresh.tolist()):
        try:
            stored = int(item.cluster)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            stored = -1 - len(pairs)  # unreadable: cannot match any recomputed group consistently
        if pairs.setdefault(stored, label) != label or back.setdefault(label, stored) != stored:
            result.problems.append(f"{item.exhibit}: the stored groups are not those its fingerprints give at the "
                                   "policy's level")
            return
