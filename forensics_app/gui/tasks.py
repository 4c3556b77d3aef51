"""The window's long jobs as plain functions of (progress, cancel), free of Qt.

Each builder takes plain data, captures it, and returns a job for `workers.Worker`;
nothing here touches a widget, so every job can also be called directly in a test or a
script.  Generator jobs yield what the window can show before the job ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from forensics_app.core.analysis import MIN_MAP_IMAGES, cluster, tsne_map
from forensics_app.core.attribution import attribute, library_calibration
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS, EvidenceError, iter_image_files
from forensics_app.core.fingerprint.extractor import Calibration, Extractor
from forensics_app.core.library import GeneratorInfo, Library, Reference
from forensics_app.core.pipeline import FileFingerprint, fingerprint_files
from forensics_app.gui.workers import CancelFn, JobCancelled, JobFn, ProgressFn


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileFingerprint]]:
    """Files under the given paths, and a rejection for each folder that cannot be listed.

    Each path is walked on its own so that one unreadable folder is reported against
    itself instead of aborting the whole drop.
    """
    files: list[Path] = []
    unreadable: list[FileFingerprint] = []
    seen: set[Path] = set()
    for given in paths:
        try:
            found = iter_image_files([given])
        except EvidenceError as exc:
            unreadable.append(FileFingerprint(Path(given), None, None, exc.reason))
            continue
        for path in found:
            if path not in seen:
                seen.add(path)
                files.append(path)
    return files, unreadable


def intake_job(extractor: Extractor, paths: Sequence[str | Path], max_pixels: int = DEFAULT_MAX_PIXELS) -> JobFn:
    """Fingerprint files and folders (recursively); yields one `FileFingerprint` per file.

    The result is the number of files found, so the window can tell a drop of nothing
    from a cancelled one.
    """

    def job(progress: ProgressFn, cancel: CancelFn) -> Iterator[FileFingerprint]:
        files, unreadable = expand_paths(paths)
        yield from unreadable
        yield from fingerprint_files(extractor, files, max_pixels=max_pixels, progress=progress, cancel=cancel)
        return len(files) + len(unreadable)

    return job


# --- attribution, clusters and map -----------------------------------------------------


@dataclass(frozen=True)
class AnalysisRequest:
    """What to (re)compute for the fingerprinted images of a case, in case order."""

    embeddings: np.ndarray  # (N, D)
    calibration: Calibration
    threshold: float
    library: Library | None
    attribute: bool = True
    cluster: bool = True
    map: bool = True
    perplexity: float = 30.0
    seed: int = 0


@dataclass(frozen=True)
class AnalysisStage:
    """One finished stage: 'attribution' (list of Attribution dicts, or None without a
    library, plus the library snapshot), 'clusters' (labels) or 'map' (coordinates, or
    None with the reason in `note`)."""

    name: str
    value: Any
    note: str = ""
    library: dict | None = None


def analysis_job(request: AnalysisRequest) -> JobFn:
    """Attribution, then clustering, then t-SNE; each stage is yielded as it finishes, so a
    Cancel during the map keeps the matches and the clusters."""

    def job(progress: ProgressFn, cancel: CancelFn) -> Iterator[AnalysisStage]:
        stages = [name for name in ("attribute", "cluster", "map") if getattr(request, name)]
        embeddings = request.embeddings
        for done, stage in enumerate(stages):
            if cancel():
                return
            progress(done, len(stages))
            if stage == "attribute":
                yield _attribution_stage(request)
            elif stage == "cluster":
                yield AnalysisStage("clusters", cluster(embeddings, request.threshold) if len(embeddings) else np.zeros(0, int))
            else:
                yield _map_stage(request)
        progress(len(stages), len(stages))

    return job


def _attribution_stage(request: AnalysisRequest) -> AnalysisStage:
    if request.library is None:
        return AnalysisStage("attribution", None, "no library is open")
    names, gallery = request.library.gallery()
    snapshot = request.library.snapshot()
    if not names:
        return AnalysisStage("attribution", None, "the library is empty", snapshot)
    if not len(request.embeddings):
        return AnalysisStage("attribution", [], library=snapshot)
    calibration = library_calibration(request.library.reference_sets(), request.calibration)
    # the settings' threshold governs only when the analyst moved it off the card's value
    threshold = None if request.threshold == request.calibration.threshold else request.threshold
    results = attribute(request.embeddings, names, gallery, calibration, threshold)
    return AnalysisStage("attribution", [r.to_dict() for r in results], library=snapshot)


def _map_stage(request: AnalysisRequest) -> AnalysisStage:
    n = len(request.embeddings)
    if n < MIN_MAP_IMAGES:
        return AnalysisStage("map", None, f"The map needs at least {MIN_MAP_IMAGES} fingerprinted images; the case has {n}.")
    coords = tsne_map(request.embeddings, perplexity=request.perplexity, seed=request.seed)
    return AnalysisStage("map", coords)


# --- the library -------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolOutcome:
    """A finished enrolment or addition of references, with what could not be used."""

    name: str
    info: GeneratorInfo
    added: int
    rejected: list[tuple[str, str]]  # (path, reason)


def references_of(results: Sequence[FileFingerprint]) -> tuple[list[Reference], list[tuple[str, str]]]:
    references = [(r.sha256, str(r.path), r.embedding) for r in results if r.ok]
    rejected = [(str(r.path), r.error or "") for r in results if not r.ok]
    return references, rejected


def enrol_job(
    library: Library,
    name: str,
    *,
    extractor: Extractor | None = None,
    paths: Sequence[str | Path] = (),
    references: Sequence[Reference] = (),
    family: str | None = None,
    notes: str | None = None,
    add: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> JobFn:
    """Enrol `name` (or add references to it) from files to fingerprint and/or embeddings
    already computed.  A cancelled job enrols nothing: a generator enrolled from half of
    the images the analyst chose would be a different reference than the one intended."""

    def job(progress: ProgressFn, cancel: CancelFn) -> EnrolOutcome:
        refs = list(references)
        rejected: list[tuple[str, str]] = []
        if paths:
            if extractor is None:
                raise ValueError("fingerprinting reference images needs the extractor, which is not loaded")
            files, unreadable = expand_paths(paths)
            results = list(unreadable) + list(
                fingerprint_files(extractor, files, max_pixels=max_pixels, progress=progress, cancel=cancel))
            if cancel():
                raise JobCancelled(f"The enrolment of '{name}' was cancelled; the library is unchanged.")
            found, rejected = references_of(results)
            refs += found
        if not refs:
            where = ", ".join(str(p) for p in paths) or "the selection"
            raise ValueError(f"No image in {where} could be fingerprinted, so nothing was enrolled"
                             + (f" ({len(rejected)} file(s) rejected)." if rejected else "."))
        if add:
            added = library.add_references(name, refs)
            info = library.get(name)
        else:
            info = library.enroll(name, refs, family=family, notes=notes)
            added = info.reference_count
        return EnrolOutcome(info.name, info, added, rejected)

    return job


def call_job(function, *args, **kwargs) -> JobFn:
    """A quick call (a library write, an export) run like any other job, off the GUI thread:
    a library locked by another program would otherwise freeze the window for its timeout."""
    return lambda progress, cancel: function(*args, **kwargs)


# --- the report --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportOutcome:
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def report_job(write_report, case, out_path: Path, extractor_card, app_versions: dict[str, str]) -> JobFn:
    """Write the PDF with core's `write_report`, then hash it for the audit log."""

    def job(progress: ProgressFn, cancel: CancelFn) -> ReportOutcome:
        write_report(case, out_path, extractor_card=extractor_card, app_versions=app_versions, progress=progress)
        return ReportOutcome(Path(out_path), sha256_of(Path(out_path)))

    return job
