"""The checks the report lists, and the one it makes itself: each evidence file hashed again.

Every check the program can make is listed as ran, not run or failed, with the reason, so
that a check that was never made cannot be mistaken for one that found nothing.  Integrity
is checked again at export, not copied from the case: every evidence file is read once
more, read-only, at its original path, so the report says whether the bytes analysed at
intake are still the bytes on disk.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from forensics_app.core.case import Case, CaseItem
from forensics_app.core.evidence import DEFAULT_MAX_FILE_BYTES
from forensics_app.core.regular_file import FileRefused, read_regular_file
from forensics_app.core.provenance import c2pa_status

RAN, NOT_RUN, FAILED = "ran", "not run", "failed"
UNCHANGED = "unchanged"
CHANGED = "CHANGED since intake"
MISSING = "MISSING"
UNREADABLE = "UNREADABLE"
NOT_TAKEN_IN = "rejected at intake"


@dataclass(frozen=True)
class Check:
    """One check the program can make: whether it ran, and what it found or why not."""

    name: str
    status: str  # RAN, NOT_RUN or FAILED
    detail: str


@dataclass(frozen=True)
class FileCheck:
    """An evidence file read again at export: its hashes now and what that means."""

    exhibit: str
    path: str
    status: str  # UNCHANGED, CHANGED, MISSING, UNREADABLE or NOT_TAKEN_IN
    sha256: str | None = None
    md5: str | None = None
    size_bytes: int | None = None
    c2pa: str | None = None  # the C2PA manifest read by the SDK in a few words, None when none was
    error: str = ""

    @property
    def readable(self) -> bool:
        return self.sha256 is not None

    @property
    def flagged(self) -> bool:
        """True when the file on disk is no longer the file that was analysed."""
        return self.status in (CHANGED, MISSING, UNREADABLE)


def evidence_path(item: CaseItem) -> str:
    """The absolute path recorded at intake, or the path as given for a rejected file."""
    return str((item.evidence.path if item.evidence is not None else "") or item.path)


def recheck_file(item: CaseItem) -> FileCheck:
    """Read the file again (read-only, once) and compare its hashes with those at intake.

    A file rejected at intake has no intake hashes to compare with; it is hashed if it can
    be read, so the report still identifies it, but it is never flagged.
    """
    path = evidence_path(item)
    try:  # a regular file of bounded size only: a pipe swapped in since intake must not hang the report
        data = read_regular_file(path, DEFAULT_MAX_FILE_BYTES)
    except FileRefused as exc:
        status, error = (MISSING, "no file at the original path") if exc.missing else (UNREADABLE, exc.reason)
    else:
        sha256, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
        if item.evidence is None:
            status = NOT_TAKEN_IN
        elif sha256 == item.evidence.sha256 and md5 == item.evidence.md5:
            status = UNCHANGED
        else:
            status = CHANGED
        return FileCheck(item.exhibit, path, status, sha256, md5, len(data), c2pa_status(data))
    return FileCheck(item.exhibit, path, NOT_TAKEN_IN if item.evidence is None else status, error=error)


def checks_performed(case: Case, files: Iterable[FileCheck], fingerprinted: int,
                     analysis_checks: Sequence[Check]) -> list[Check]:
    """Every check the program can make, with what it found or why it did not run.

    `analysis_checks` are the outcomes of the steps that drew on the fingerprints after
    attribution (grouping, map, figures), listed in the order given.
    """
    files = list(files)
    taken_in = [f for f in files if f.status != NOT_TAKEN_IN]
    counts = Counter(f.status for f in taken_in)
    hash_detail = ", ".join(f"{n} {status}" for status, n in counts.items()) or "no evidence files in the case"
    readable = [f for f in files if f.readable]
    found = [f for f in readable if f.c2pa]
    valid = [f for f in found if f.c2pa.startswith("valid signature")]
    rejected = sum(1 for item in case.items if item.error)
    return [
        Check("SHA-256 and MD5 at intake", RAN if taken_in else NOT_RUN, f"{len(taken_in)} file(s) hashed when taken in"),
        Check("Hashes re-checked at export", FAILED if counts[UNREADABLE] else RAN if taken_in else NOT_RUN, hash_detail),
        Check("EXIF and text metadata read", RAN if taken_in else NOT_RUN, f"at intake, {len(taken_in)} file(s)"),
        Check("C2PA content-provenance scan", RAN if readable else NOT_RUN,
              f"{len(readable)} file(s) read with the C2PA SDK, manifest found in {len(found)}" if readable
              else "no file could be read"),
        Check("C2PA signature validation", RAN if found else NOT_RUN,
              f"{len(valid)} valid, {len(found) - len(valid)} not valid or unreadable; no network used (no remote "
              "manifest or certificate status fetched)" if found else "no file carried a C2PA manifest"),
        Check("Fingerprint extraction", RAN if fingerprinted else NOT_RUN,
              f"{fingerprinted} image(s) fingerprinted, {rejected} rejected at intake"),
        _attribution_check(case, fingerprinted),
        *analysis_checks,
        Check("Detection of local edits (splicing, inpainting, retouching)", NOT_RUN, "outside this program's method"),
        Check("Search for the image's earlier publication (reverse image search)", NOT_RUN,
              "outside this program's method; no network is used"),
    ]


def _attribution_check(case: Case, fingerprinted: int) -> Check:
    name = "Attribution against the library"
    attributed = sum(1 for item in case.items if item.attribution)
    if attributed:
        generators = case.library.generator_count if case.library is not None else 0
        return Check(name, RAN, f"{attributed} image(s) ranked against {generators} enrolled generator(s)")
    if case.library is not None and not case.library.generators:
        return Check(name, NOT_RUN, "the library held no enrolled generator")
    if not fingerprinted:
        return Check(name, NOT_RUN, "no image was fingerprinted")
    return Check(name, NOT_RUN, "the case holds no attribution (the images were not ranked against a library)")
