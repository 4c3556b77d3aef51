"""Attribution, groups of likely common source, and the map, for the images of a case.

One job yields each stage as it finishes (a Cancel during the slow map keeps the
matches and the groups), and `record` writes a stage into the case with its audit
entry; the command line runs the same stages and records them the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensics_app.core.decision.grouping import groups_at
from forensics_app.core.decision.map import MIN_MAP_IMAGES, tsne_map
from forensics_app.core.decision.attribution import UNKNOWN, DecisionPolicy, attribute
from forensics_app.core.case import Case, CaseItem, ReferencePoints
from forensics_app.core.case.check import gallery_record
from forensics_app.core.decision.conditions import Condition, condition_of
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.workflows.matched import matched_gallery
from forensics_app.workflows.policy import policy_for

STAGES = ("attribute", "cluster", "map")
#: References of each enrolled generator drawn on the map (enough to show where it lies).
MAP_REFERENCES = 20


@dataclass(frozen=True)
class AnalysisRequest:
    """What to (re)compute for the fingerprinted images of a case, in case order."""

    embeddings: np.ndarray  # (N, D)
    extractor: Extractor
    library: Library | None
    naming_lr: float | None = None  # None: the program's default level
    stages: tuple[str, ...] = STAGES
    perplexity: float = 30.0
    seed: int = 0
    top: int | None = None
    conditions: tuple[Condition, ...] = ()  # each image's storage condition (conditions_of); () compares as stored
    max_pixels: int = DEFAULT_MAX_PIXELS  # for the reference files read again to match a condition


@dataclass(frozen=True)
class AnalysisStage:
    """One finished stage: 'attribution' (Attribution dicts, or None without a library),
    'clusters' (labels) or 'map' (coordinates, or None with the reason in `note`)."""

    name: str
    value: Any
    policy: DecisionPolicy
    note: str = ""
    library: dict = field(default_factory=dict)
    detail: str = ""  # the audit entry's text
    references: list[ReferencePoints] = field(default_factory=list)  # 'map': the library's references on it


def group_labels(embeddings: np.ndarray, policy: DecisionPolicy) -> np.ndarray:
    """Groups of images whose fingerprints support a common source at the naming level.

    Average linkage is cut at the pair similarity where the calibrated LR reaches the
    policy's level; when no similarity can reach it, every image is its own group.
    """
    return groups_at(embeddings, policy.pair_threshold)


def run_analysis(request: AnalysisRequest, progress: ProgressCallback | None = None,
                 cancel: CancelCheck | None = None) -> Iterator[AnalysisStage]:
    policy = policy_for(request.extractor, request.library, request.naming_lr)
    embeddings, n = request.embeddings, len(request.embeddings)
    stages = [s for s in STAGES if s in request.stages]
    for done, stage in enumerate(stages):
        if cancel is not None and cancel():
            return
        if progress is not None:
            progress(done, len(stages))
        if stage == "attribute":
            attribution = _attribution(request, policy, cancel)
            if cancel is not None and cancel():
                return  # cancelled while matching conditions: what was recorded before stays as it was
            yield attribution
        elif stage == "cluster":
            labels = group_labels(embeddings, policy)
            yield AnalysisStage("clusters", labels, policy,
                                detail=f"{n} images in {len(set(labels.tolist()))} group(s) at a likelihood ratio of "
                                       f"{policy.naming_lr:g} or more")
        elif n < MIN_MAP_IMAGES:
            yield AnalysisStage("map", None, policy, f"The map needs at least {MIN_MAP_IMAGES} fingerprinted images; "
                                                     f"the case has {n}.")
        else:
            references = _map_references(request.library)
            shown = [refs for _, refs in references]
            coords = tsne_map(np.concatenate([embeddings, *shown]) if shown else embeddings,
                              perplexity=request.perplexity, seed=request.seed)
            points, start = [], n
            for name, refs in references:
                points.append(ReferencePoints(name, [(float(x), float(y)) for x, y in coords[start:start + len(refs)]]))
                start += len(refs)
            with_refs = f" and {start - n} references of {len(points)} enrolled generator(s)" if points else ""
            yield AnalysisStage("map", coords[:n], policy, references=points,
                                detail=f"t-SNE of {n} images{with_refs}, perplexity {request.perplexity:g}, "
                                       f"seed {request.seed}")
    if progress is not None:
        progress(len(stages), len(stages))


def _map_references(library: Library | None) -> list[tuple[str, np.ndarray]]:
    """Each enrolled generator's references to place on the map (the first few of each)."""
    if library is None:
        return []
    return [(name, refs[:MAP_REFERENCES]) for name, refs in sorted(library.reference_sets().items()) if len(refs)]


def conditions_of(items: Sequence[CaseItem]) -> tuple[Condition, ...]:
    """Each item's storage condition, read from the provenance taken in with it."""
    return tuple(condition_of((item.evidence or {}).get("provenance")) for item in items)


def _attribution(request: AnalysisRequest, policy: DecisionPolicy, cancel: CancelCheck | None) -> AnalysisStage:
    if request.library is None:
        return AnalysisStage("attribution", None, policy, "no library is open")
    names, gallery = request.library.gallery()
    snapshot = request.library.snapshot()
    if not names:
        return AnalysisStage("attribution", None, policy, "the library is empty", snapshot)
    results = attribute(request.embeddings, names, gallery, policy, top=request.top) if len(request.embeddings) else []
    records = [r.to_dict() for r in results]
    snapshot = {**snapshot, "gallery": gallery_record(names, gallery)}
    matched = _match_conditions(request, records, cancel, snapshot.get("content_sha256"))
    if matched:
        snapshot["matched"] = matched
    named = sum(r["decision"] != UNKNOWN for r in records)
    detail = (f"{len(records)} images against {len(names)} generator(s), {named} named; library "
              f"{snapshot.get('content_sha256', '')[:16]}")
    if matched:
        detail += "; JPEG probes compared with references re-encoded at " + ", ".join(
            f"quality {key.split('-', 1)[1]}" for key in matched)
    return AnalysisStage("attribution", records, policy, library=snapshot, detail=detail)


def _match_conditions(request: AnalysisRequest, records: list[dict], cancel: CancelCheck | None,
                      content_sha256: str | None) -> dict[str, dict]:
    """Re-attribute each JPEG probe against references in its condition; the matched galleries, by condition."""
    groups: dict[str, list[int]] = {}
    for index, condition in enumerate(request.conditions[:len(records)]):
        if condition.matched:
            groups.setdefault(condition.key, []).append(index)
    stored: dict[str, dict] = {}
    for key, indices in groups.items():
        condition = request.conditions[indices[0]]
        matched = matched_gallery(request.library, request.extractor, condition, request.naming_lr,
                                  request.max_pixels, cancel, content_sha256)
        if not matched.usable:
            for index in indices:
                records[index]["condition"] = {"key": key, "probe": request.conditions[index].describe(),
                                               "matched": False, "why": matched.problem}
            continue
        fresh = attribute(request.embeddings[indices], matched.names, matched.gallery, matched.policy, top=request.top)
        for index, result in zip(indices, fresh):
            records[index] = {**result.to_dict(), "condition": {
                "key": key, "probe": request.conditions[index].describe(), "matched": True,
                "references": matched.describe()}}
        stored[key] = {"gallery": gallery_record(matched.names, matched.gallery), "policy": matched.policy.to_dict(),
                       "references": matched.describe(), "left_out": matched.left_out[:50]}
    return stored



def record(case: Case, items: list[CaseItem], stage: AnalysisStage) -> None:
    """Write one finished stage into the case, with the policy it was decided by."""
    case.settings["policy"] = stage.policy.to_dict()
    case.settings["naming_lr"] = stage.policy.naming_lr
    if stage.name == "attribution":
        values = stage.value if stage.value is not None else [None] * len(items)
        for item, attribution in zip(items, values):
            item.attribution = attribution
        case.library = stage.library or {}
        if stage.value:
            case.log("attribute", None, stage.detail)
    elif stage.name == "clusters":
        for item, label in zip(items, stage.value):
            item.cluster = int(label)
        case.log("cluster", None, stage.detail)
    elif stage.name == "map":
        case.map = None if stage.value is None else np.asarray(stage.value).round(4).tolist()
        case.map_references = list(stage.references) if stage.value is not None else []
        if stage.value is not None:
            case.log("map", None, stage.detail)
