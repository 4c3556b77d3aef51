"""1:1 verification of two image files under the one decision policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forensics_app.core.decision.attribution import DecisionPolicy, Verification, verify
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.pipeline import FileFingerprint
from forensics_app.workflows.intake import fingerprint_paths


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
    policy: DecisionPolicy

    @property
    def verdict(self) -> str:
        if self.verification.same_source:
            return "the fingerprints support a common source"
        if self.verification.lr < 1.0:
            return "the fingerprints support different sources"
        return "a common source is not supported at the naming level"


def verify_files(extractor: Extractor, first: Path, second: Path, policy: DecisionPolicy,
                 max_pixels: int | None = None) -> VerifyOutcome:
    kwargs = {} if max_pixels is None else {"max_pixels": max_pixels}
    results = list(fingerprint_paths(extractor, [first, second], **kwargs))
    if len(results) != 2 or not all(r.ok for r in results):
        raise VerificationInputError("both images must be fingerprinted to compare them", results)
    return VerifyOutcome(results[0], results[1], verify(results[0].embedding, results[1].embedding, policy), policy)
