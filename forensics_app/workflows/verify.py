"""1:1 verification of two image files under the one decision policy, in a matched condition.

Two images stored at different JPEG qualities differ by their last compression as much
as by their makers, and two images at one quality share it.  So when either image is a
JPEG, the pair is compared at the more compressed of the two conditions: the other image
is re-encoded at that quality and fingerprinted again, and the pair calibration is
fitted on comparisons in the same condition (the library's references and the
background population re-encoded alike, see :mod:`~forensics_app.workflows.matched`).
Where no calibration in that condition can be made, the pair is compared as stored and
the outcome says why.  Each outcome carries what validation on real generators says of
pairs compared the same way (`pair_validation`), so its LR is read with its error rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forensics_app.core.decision.attribution import DecisionPolicy, Verification, verify
from forensics_app.core.decision.conditions import Condition, condition_of
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS, EvidenceError
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.core.report.validation import pair_figures
from forensics_app.workflows.intake import fingerprint_paths
from forensics_app.workflows.matched import matched_gallery, reencoded_fingerprints
from forensics_app.workflows.policy import background_fingerprinted_at, policy_for


class VerificationInputError(ValueError):
    """One of the two files could not be fingerprinted; `results` says why."""

    def __init__(self, message: str, results: list[FileFingerprint]) -> None:
        super().__init__(message)
        self.results = results


@dataclass(frozen=True)
class VerifyOutcome:
    first: FileFingerprint
    second: FileFingerprint
    verification: Verification
    policy: DecisionPolicy  # the one the pair was decided by (in the compared condition)
    condition: str = ""  # how the pair was compared, in words; empty: both as stored, nothing to match
    validation: str = ""  # the known error rates of pairs compared this way, from the sealed card

    @property
    def verdict(self) -> str:
        if self.verification.same_source:
            return "the fingerprints support a common source"
        if self.verification.lr < 1.0:
            return "the fingerprints support different sources"
        return "a common source is not supported at the naming level"


def compared_condition(first: Condition, second: Condition) -> Condition:
    """The more compressed of two conditions (a JPEG over one stored as it is)."""
    qualities = [c for c in (first, second) if c.matched]
    return min(qualities, key=lambda c: (c.jpeg_quality, c.read_quality or 0)) if qualities else Condition()


def verify_files(extractor: Extractor, first: Path, second: Path, library: Library | None = None,
                 naming_lr: float | None = None, max_pixels: int = DEFAULT_MAX_PIXELS) -> VerifyOutcome:
    """Compare two files under the policy of their compared condition (`naming_lr`: the analyst's level)."""
    results = list(fingerprint_paths(extractor, [first, second], max_pixels=max_pixels, provenance=True))
    if len(results) != 2 or not all(r.ok for r in results):
        raise VerificationInputError("both images must be fingerprinted to compare them", results)
    conditions = [condition_of(r.provenance) for r in results]
    target = compared_condition(*conditions)
    if not target.matched:
        policy = policy_for(extractor, library, naming_lr)
        return VerifyOutcome(results[0], results[1], verify(results[0].embedding, results[1].embedding, policy), policy,
                             validation=pair_validation(extractor, "clean", with_library=library is not None))
    matched_policy, calibrated, on_library = _policy_in(extractor, library, target, naming_lr, max_pixels)
    stored = ", ".join(f"the {which} image is {c.describe() if c.matched else 'not a JPEG of known quality'}"
                       for which, c in zip(("first", "second"), conditions))
    if matched_policy is None:
        policy = policy_for(extractor, library, naming_lr)
        words = (f"Not compared in a matched condition ({stored}): {calibrated}; compared as stored, which may "
                 "overstate or understate the likelihood ratio.")
        return VerifyOutcome(results[0], results[1], verify(results[0].embedding, results[1].embedding, policy),
                             policy, words, pair_validation(extractor, "unmatched", target.jpeg_quality,
                                                            library is not None))
    embeddings = []
    brought = []
    for which, result, condition in zip(("first", "second"), results, conditions):
        if condition.key == target.key:
            embeddings.append(result.embedding)
            continue
        again = next(iter(reencoded_fingerprints(extractor, [(result.sha256, str(result.path))], target.jpeg_quality,
                                                 max_pixels, "it was fingerprinted")))
        if isinstance(again.error, EvidenceError):
            raise VerificationInputError(f"the {which} image could not be read again to bring it to JPEG quality "
                                         f"{target.jpeg_quality}: {again.error.reason}", results) from again.error
        if again.error is not None:
            raise again.error
        embeddings.append(again.embedding)
        brought.append(which)
    moved = (f"; the {' and '.join(brought)} re-encoded at quality {target.jpeg_quality} and fingerprinted again"
             if brought else "")
    words = (f"Matched condition, JPEG quality {target.jpeg_quality}: {stored}{moved}; the pair calibration is "
             f"fitted on {calibrated}.")
    return VerifyOutcome(results[0], results[1], verify(embeddings[0], embeddings[1], matched_policy),
                         matched_policy, words, pair_validation(extractor, "matched", target.jpeg_quality, on_library))


def _policy_in(extractor: Extractor, library: Library | None, condition: Condition, naming_lr: float | None,
               max_pixels: int) -> tuple[DecisionPolicy | None, str, bool]:
    """The policy in `condition`, what it was fitted on, and whether on library references; None and why if none."""
    why = "no library"
    if library is not None:
        gallery = matched_gallery(library, extractor, condition, naming_lr, max_pixels)
        if gallery.usable:
            return gallery.policy, gallery.describe(), True
        why = f"the library's references could not be matched ({gallery.problem})"
    if not background_fingerprinted_at(extractor, condition.jpeg_quality):
        return (None, f"{why}, and the background population was not fingerprinted at quality "
                      f"{condition.jpeg_quality}", False)
    policy = policy_for(extractor, None, naming_lr, references={}, jpeg_quality=condition.jpeg_quality)
    return policy, f"the background population re-encoded at quality {condition.jpeg_quality} alone ({why})", False


#: How the card's pair figures were measured, by the way a pair was compared.
_PAIR_MODES = {
    "clean": "two images as they were",
    "unmatched": "one image saved again as JPEG quality {quality} against one as it was, compared as stored",
    "matched": "one image saved again as JPEG quality {quality} against one as it was, in a matched condition",
}
NOT_VALIDATED = "Pairs compared this way have not been validated on real generators"


def pair_validation(extractor: Extractor, mode: str, quality: int | None = None, with_library: bool = True) -> str:
    """What the card's validation on real generators says of pairs compared as `mode`, or why it does not apply.

    `mode`: "clean", "unmatched" or "matched", the rows `tools/matched_study.py` measures
    (at one JPEG quality, with generators enrolled); `quality`: the one this pair was
    compared at; `with_library`: whether its calibration had enrolled references.
    """
    dev = (extractor.card.extra.get("figures") or {}).get("dev_generators") or {}
    probes = dev.get("jpeg_probes") or {}
    found = (probes.get("pairs") or {}).get(mode)
    if not isinstance(found, dict) or not found:
        return f"{NOT_VALIDATED} for this extractor."
    measured = probes.get("quality")
    if mode != "clean" and quality is not None and quality != measured:
        return f"{NOT_VALIDATED} at JPEG quality {quality} (only at {measured})."
    if not with_library:
        return (f"{NOT_VALIDATED} without a library: the validation calibrated pairs with "
                f"{probes.get('enrolled_per_draw', 'some')} generators enrolled.")
    generators = int(dev.get("models") or 0) - len(dev.get("never_enrolled") or [])
    how = _PAIR_MODES[mode].format(quality=measured)
    return (f"Validation on pairs of images of {generators or '?'} real generators (camera photographs left out; no "
            f"part of the program was fitted on them, though its back-end and naming level were chosen after seeing "
            f"them), {how}, {probes.get('enrolled_per_draw', '?')} generators enrolled: {pair_figures(found)}.")
