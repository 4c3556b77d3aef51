"""A case: its exhibits, their fingerprints and results, and the record that keeps them honest.

``model`` holds the case and its items as dataclasses, their JSON form, the seal over the
whole file and the hash chain of the audit log (persistence never trusts a file it did
not seal); ``results`` the stored attribution of each exhibit and ``settings`` the
extractor and settings its results were made with, each typed and read back without
trusting the file; ``check`` recomputes every stored result from the stored fingerprints,
gallery and policy, so a report states what the fingerprints give, not what the file says.
"""

from forensics_app.core.case.model import (
    CASE_FORMAT,
    CASE_SUFFIX,
    MAX_CASE_BYTES,
    AuditEntry,
    Case,
    CaseError,
    CaseItem,
    ReferencePoints,
    chain_problems,
    load_case,
    seal_of,
    utc_now,
)
from forensics_app.core.case.library_record import GeneratorEntry, LibrarySnapshot, MatchedRecord, SavedGallery
from forensics_app.core.case.results import RankedMatch, StoredAttribution, UnreadableAttribution
from forensics_app.core.case.settings import CaseSettings, ExtractorStamp, extractor_stamp

__all__ = ["CASE_FORMAT", "CASE_SUFFIX", "MAX_CASE_BYTES", "AuditEntry", "Case", "CaseError", "CaseItem",
           "CaseSettings", "ExtractorStamp", "GeneratorEntry", "LibrarySnapshot", "MatchedRecord", "RankedMatch", "ReferencePoints", "SavedGallery", "StoredAttribution",
           "UnreadableAttribution", "chain_problems", "extractor_stamp", "load_case", "seal_of", "utc_now"]
