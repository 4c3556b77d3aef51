"""Comparison in matched conditions: references brought to a JPEG probe's quality.

For each JPEG quality among a case's probes (snapped to a ladder, see
:mod:`~forensics_app.core.decision.conditions`), every enrolled generator's reference files are
read again from where they were enrolled, checked against the SHA-256 the library holds,
re-encoded at that quality and fingerprinted; their means become a matched gallery, and
the decision policy is calibrated on those re-encoded references and on the shipped
background population re-encoded at the same quality.  A
reference that moved or changed is left out and counted; a generator left with fewer
than :data:`MIN_MATCHED_REFERENCES` cannot be matched, and then the probes of that quality
are compared as stored and the record says why.

Where every reference is a JPEG and the most compressed of them is more compressed than
a probe (a library enrolled from web JPEGs, a probe saved as PNG or at a higher quality),
the probe is brought down to that quality instead (`reference_floor`; `workflows.analyse`): references cannot be brought
back up, and compared at the higher quality they would still carry their own stronger
compression.  In a library whose references are not all JPEGs the probe keeps its own
condition, since bringing it down would also strip the lossless references of what
tells them apart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from forensics_app.core.decision.attribution import DecisionPolicy
from forensics_app.core.decision.conditions import Condition, condition_from_quality, jpeg_round_trip
from forensics_app.core.evidence import DEFAULT_MAX_FILE_BYTES, open_verified
from forensics_app.core.file_layout import walk_jpeg
from forensics_app.core.provenance.jpeg_tables import jpeg_entry
from forensics_app.core.fingerprint.extractor import EmbeddingOutcome, Extractor
from forensics_app.core.library import Library
from forensics_app.core.progress import CancelCheck
from forensics_app.core.regular_file import read_regular_file
from forensics_app.core.vectors import normalise
from forensics_app.workflows.policy import background_fingerprinted_at, policy_for

MIN_MATCHED_REFERENCES = 2


@dataclass(frozen=True)
class MatchedGallery:
    """Generator means and the policy for one condition, or why there are none (`problem`)."""

    condition: Condition
    names: list[str] = field(default_factory=list)
    gallery: np.ndarray | None = None
    policy: DecisionPolicy | None = None
    used: int = 0  # references re-encoded and fingerprinted
    left_out: list[str] = field(default_factory=list)  # "name: path (why)"
    problem: str = ""
    background_matched: bool = False  # the background population in the same condition (else as stored)

    @property
    def usable(self) -> bool:
        return self.gallery is not None and self.policy is not None

    def describe(self) -> str:
        """For the record: which references, in which condition, and what was left out."""
        if not self.usable:
            return f"not matched: {self.problem}"
        text = (f"{self.used} reference(s) of {len(self.names)} generator(s) re-encoded as JPEG quality "
                f"{self.condition.jpeg_quality} and fingerprinted again, the calibration fitted on them")
        text += (" and on the background population re-encoded alike" if self.background_matched else
                 " and on the background population as stored (not re-encoded at this quality)")
        if self.left_out:
            text += f"; {len(self.left_out)} reference(s) left out (moved or changed since enrolment)"
        return text


#: Re-encoded reference fingerprints kept for the session: a re-analysis at another naming
#: level or after a new exhibit does not read and fingerprint every reference again.
_REENCODED: dict[tuple, tuple[dict[str, np.ndarray], list[str]]] = {}
_KEPT = 16
_REENCODED_LOCK = threading.Lock()


def matched_gallery(library: Library, extractor: Extractor, condition: Condition, naming_lr: float | None,
                    max_pixels: int, cancel: CancelCheck | None = None,
                    content_sha256: str | None = None) -> MatchedGallery:
    """The matched gallery and policy for `condition` (a JPEG quality).

    `content_sha256`: the library snapshot's, when the caller has taken one already.
    """
    quality = condition.jpeg_quality
    if quality is None:
        return MatchedGallery(condition, problem="the probe is compared as stored")
    paths = {info.name: library.reference_paths(info.name) for info in library.generators()}
    paths = {name: entries for name, entries in paths.items() if entries}  # as the gallery: none without references
    # what would be recomputed: the library's content, the extractor, and the reference files as they stand
    content = content_sha256 if content_sha256 is not None else library.snapshot().get("content_sha256")
    key = (str(library.path), content, extractor.extractor_id,
           json.dumps(extractor.card.preprocess.to_dict(), sort_keys=True), str(extractor.device), quality, max_pixels,
           _files_now(paths))
    with _REENCODED_LOCK:
        kept = _REENCODED.get(key)
    if kept is None:
        outcome = _reencoded_references(paths, extractor, quality, max_pixels, cancel)
        if isinstance(outcome, MatchedGallery):
            return dataclasses.replace(outcome, condition=condition)
        kept = outcome
        with _REENCODED_LOCK:
            while len(_REENCODED) >= _KEPT:
                _REENCODED.pop(next(iter(_REENCODED)))
            _REENCODED[key] = kept
    references, left_out = dict(kept[0]), list(kept[1])
    if not references:
        return MatchedGallery(condition, problem="the library is empty")
    names = list(references)
    gallery = normalise(np.stack([refs.mean(axis=0) for refs in references.values()]))
    policy = policy_for(extractor, None, naming_lr, references=references, jpeg_quality=quality)
    return MatchedGallery(condition, names, gallery, policy, sum(len(r) for r in references.values()), left_out,
                          background_matched=background_fingerprinted_at(extractor, quality))


def _files_now(paths: dict[str, list[tuple[str, str]]]) -> tuple:
    """Each reference file's size and modification time (None where it is gone): a changed,
    moved or restored file is read again."""
    found = []
    for entries in paths.values():
        for _, path in entries:
            try:
                stat = os.stat(path)
                found.append((path, stat.st_size, stat.st_mtime_ns))
            except OSError:
                found.append((path, None, None))
    return tuple(found)


def reencoded_fingerprints(extractor: Extractor, files: Sequence[tuple[str, str]], quality: int, max_pixels: int,
                           since: str, cancel: CancelCheck | None = None
                           ) -> Iterator[EmbeddingOutcome[tuple[str, str]]]:
    """Each file (SHA-256, path) read again, refused where its bytes are no longer those recorded
    `since` (intake, enrolment), re-encoded at JPEG `quality` and fingerprinted; in order, each
    failure reported against its file, stopping after the current one on a cancel."""

    def load(entry: tuple[str, str]) -> np.ndarray:
        sha256, path = entry
        return jpeg_round_trip(open_verified(path, sha256, max_pixels, since=since).pixels, quality)

    return extractor.embed_stream(list(files), load=load, cancel=cancel)


def _reencoded_references(paths: dict[str, list[tuple[str, str]]], extractor: Extractor, quality: int,
                          max_pixels: int, cancel: CancelCheck | None
                          ) -> tuple[dict[str, np.ndarray], list[str]] | MatchedGallery:
    """Each generator's references (`paths`: name -> (SHA-256, path)) re-encoded at `quality` and
    fingerprinted, or why not."""
    references: dict[str, np.ndarray] = {}
    left_out: list[str] = []
    for name, entries in paths.items():
        embedded = []
        for outcome in reencoded_fingerprints(extractor, entries, quality, max_pixels, "enrolment", cancel):
            if outcome.error is not None:
                left_out.append(f"{name}: {outcome.item[1]} ({outcome.error})")
            else:
                embedded.append(outcome.embedding)
        if cancel is not None and cancel():
            return MatchedGallery(Condition(quality), problem="cancelled")
        if len(embedded) < MIN_MATCHED_REFERENCES:
            return MatchedGallery(Condition(quality), left_out=left_out,
                                  problem=f"only {len(embedded)} of the {len(entries)} reference file(s) of {name} "
                                          "could be read as enrolled, so its references cannot be brought to the "
                                          "probe's condition")
        references[name] = np.stack(embedded)
    return references, left_out


#: Each reference file's condition, by (path, enrolled SHA-256, size, modification time); the
#: file is hashed when read, so a file that no longer holds its enrolled bytes gives none.
_REFERENCE_CONDITIONS: dict[tuple, Condition | None] = {}
_CONDITIONS_KEPT = 100_000


def reference_floor(library: Library, cancel: CancelCheck | None = None) -> tuple[int | None, str]:
    """(quality, why): the ladder quality of the most compressed reference, when every reference of
    the library is a JPEG of readable quality holding its enrolled bytes; else None and why not."""
    qualities = []
    for info in library.generators():
        for sha256, path in library.reference_paths(info.name):
            if cancel is not None and cancel():
                return None, "cancelled"
            condition = _reference_condition(path, sha256)
            if condition is None or not condition.matched:
                return None, f"not every reference is a JPEG of readable quality as enrolled ({path})"
            qualities.append(condition.jpeg_quality)
    if not qualities:
        return None, "the library holds no reference files"
    return min(qualities), ""


def _reference_condition(path: str, sha256: str) -> Condition | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, sha256, stat.st_size, stat.st_mtime_ns)
    with _REENCODED_LOCK:
        if key in _REFERENCE_CONDITIONS:
            return _REFERENCE_CONDITIONS[key]
    try:
        data = read_regular_file(path, DEFAULT_MAX_FILE_BYTES)  # refuses pipes, devices and oversized files
        found = None
        if hashlib.sha256(data).hexdigest() == sha256:
            found = (condition_from_quality(jpeg_entry(walk_jpeg(data, stop_after_scans=1)).details.get("quality"))
                     if data.startswith(b"\xff\xd8") else Condition())
    except (OSError, ValueError, IndexError):  # unreadable: not a condition to bring a probe to
        found = None
    with _REENCODED_LOCK:
        if len(_REFERENCE_CONDITIONS) >= _CONDITIONS_KEPT:
            _REFERENCE_CONDITIONS.clear()
        _REFERENCE_CONDITIONS[key] = found
    return found
