"""Attribution, groups of likely common source, and the map, for the images of a case.

One job yields each stage as it finishes (a Cancel during the slow map keeps the
matches and the groups), and `record` writes a stage into the case with its audit
entry; the command line runs the same stages and records them the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from forensics_app.core.decision.grouping import groups_at
from forensics_app.core.decision.map import MIN_MAP_IMAGES, tsne_map
from forensics_app.core.decision.attribution import DecisionPolicy, attribute
from forensics_app.core.case import Case, CaseItem, ReferencePoints, StoredAttribution
from forensics_app.core.case.library_record import LibrarySnapshot, MatchedRecord, SavedGallery
from forensics_app.core.decision.conditions import LOSSLESS_FORMATS, ComparedCondition, Condition, condition_of
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.progress import CancelCheck, ProgressCallback
from forensics_app.core.pipeline import describe_failure
from forensics_app.workflows.matched import matched_gallery, reencoded_fingerprints, reference_floor
from forensics_app.workflows.policy import policy_for

STAGES = ("attribute", "cluster", "map")
#: References of each enrolled generator drawn on the map (enough to show where it lies).
MAP_REFERENCES = 20


@dataclass(frozen=True)
class ProbeFile:
    """An image's file as taken in: where it is, its SHA-256, and whether it is stored without loss."""

    path: str
    sha256: str  # "" when none was recorded: such a file is never read again
    format: str  # as read at intake ("PNG", "JPEG")

    @property
    def lossless(self) -> bool:
        """A format that stores pixels without loss (`LOSSLESS_FORMATS`)."""
        return self.format.upper() in LOSSLESS_FORMATS

    @classmethod
    def of(cls, item: CaseItem) -> "ProbeFile":
        return cls(item.path, item.sha256 or "", item.format)


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
    #: each image's file, to read it again and bring it down to references more compressed
    #: than it (`matched.reference_floor`); () never brings a probe down
    sources: tuple[ProbeFile, ...] = ()


@dataclass(frozen=True)
class AnalysisStage:
    """One finished stage of the analysis, with the policy it was decided by.

    Each kind of stage records itself in the case (`record_in`); `note` says why a stage
    gave nothing (no library, too few images for a map), `detail` is its audit entry.
    """

    policy: DecisionPolicy
    note: str = ""
    detail: str = ""

    name = "stage"

    def record_in(self, case: Case, items: list[CaseItem]) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Attributions(AnalysisStage):
    """Each image's ranking and decision (None without a library), and the library it was made against."""

    records: tuple[StoredAttribution, ...] | None = None
    library: LibrarySnapshot | None = None

    name = "attribution"

    def record_in(self, case: Case, items: list[CaseItem]) -> None:
        records = self.records if self.records is not None else (None,) * len(items)
        for item, attribution in zip(items, records):
            item.attribution = attribution
        case.library = self.library
        if self.records:
            case.log("attribute", None, self.detail)


@dataclass(frozen=True)
class Groups(AnalysisStage):
    """Each image's group of likely common source."""

    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, int))

    name = "clusters"

    def record_in(self, case: Case, items: list[CaseItem]) -> None:
        for item, label in zip(items, self.labels):
            item.cluster = int(label)
        case.log("cluster", None, self.detail)


@dataclass(frozen=True)
class MapPlacement(AnalysisStage):
    """The images' places on the map (None, with the reason in `note`), and the library's references on it."""

    coordinates: np.ndarray | None = None
    references: list[ReferencePoints] = field(default_factory=list)

    name = "map"

    def record_in(self, case: Case, items: list[CaseItem]) -> None:
        case.map = None if self.coordinates is None else np.asarray(self.coordinates).round(4).tolist()
        case.map_references = list(self.references) if self.coordinates is not None else []
        if self.coordinates is not None:
            case.log("map", None, self.detail)


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
            yield Groups(policy, labels=labels,
                         detail=f"{n} images in {len(set(labels.tolist()))} group(s) at a likelihood ratio of "
                                f"{policy.naming_lr:g} or more")
        elif n < MIN_MAP_IMAGES:
            yield MapPlacement(policy, f"The map needs at least {MIN_MAP_IMAGES} fingerprinted images; "
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
            yield MapPlacement(policy, coordinates=coords[:n], references=points,
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
    return tuple(condition_of(item.provenance) for item in items)


def _attribution(request: AnalysisRequest, policy: DecisionPolicy, cancel: CancelCheck | None) -> Attributions:
    if request.library is None:
        return Attributions(policy, "no library is open")
    names, gallery = request.library.gallery()
    snapshot = LibrarySnapshot.from_dict(request.library.snapshot())
    if not names:
        return Attributions(policy, "the library is empty", library=snapshot)
    results = attribute(request.embeddings, names, gallery, policy, top=request.top) if len(request.embeddings) else []
    records = [StoredAttribution.of(r) for r in results]
    snapshot.gallery = SavedGallery.of(names, gallery)
    snapshot.matched = _match_conditions(request, records, cancel, snapshot.content_sha256 or None)
    named = sum(r.named for r in records)
    detail = (f"{len(records)} images against {len(names)} generator(s), {named} named; library "
              f"{snapshot.content_sha256[:16]}")
    if snapshot.matched:
        detail += "; JPEG probes compared with references re-encoded at " + ", ".join(
            f"quality {key.split('-', 1)[1]}" for key in snapshot.matched)
    brought = sum(1 for r in records if r.brought_down)
    if brought:
        detail += (f"; {brought} image(s) stored with less loss than the most compressed reference brought down to "
                   "its quality")
    return Attributions(policy, detail=detail, records=tuple(records), library=snapshot)


def _match_conditions(request: AnalysisRequest, records: list[StoredAttribution], cancel: CancelCheck | None,
                      content_sha256: str | None) -> dict[str, MatchedRecord]:
    """Re-attribute each JPEG probe against references in its condition, and bring a probe stored with
    less loss than the library's most compressed reference down to it; the matched galleries, by condition."""
    conditions = request.conditions[:len(records)]
    natural: dict[str, list[int]] = {}
    for index, condition in enumerate(conditions):
        if condition.matched:
            natural.setdefault(condition.key, []).append(index)
    floor = _floor(request, conditions, cancel)
    down = [i for i, c in enumerate(conditions) if floor is not None and _comes_down(request, i, c, floor)]
    stored: dict[str, MatchedRecord] = {}
    if down:
        failed = _attribute_matched(request, records, Condition(floor), down, cancel, content_sha256, stored, True)
        for index in down:
            if conditions[index].matched and index not in failed:
                natural[conditions[index].key].remove(index)
        for index, why in failed.items():  # a JPEG probe that could not come down keeps its own condition
            if not conditions[index].matched:
                records[index] = records[index].with_condition(ComparedCondition(
                    Condition(floor).key, _probe_words(request, index), matched=False, why=why))
    for key, indices in natural.items():
        if indices:
            failed = _attribute_matched(request, records, conditions[indices[0]], indices, cancel, content_sha256,
                                        stored, False)
            for index, why in failed.items():
                records[index] = records[index].with_condition(ComparedCondition(
                    key, _probe_words(request, index), matched=False, why=why))
    return stored


def _floor(request: AnalysisRequest, conditions: Sequence[Condition], cancel: CancelCheck | None) -> int | None:
    """The library's most compressed reference quality, read only when some probe could come down to it."""
    if request.library is None or not request.sources:
        return None
    if not any(_comes_down(request, i, c, 0) for i, c in enumerate(conditions)):
        return None
    return reference_floor(request.library, cancel)[0]


def _comes_down(request: AnalysisRequest, index: int, condition: Condition, floor: int) -> bool:
    """Whether the probe is known to be stored with less loss than `floor` and can be read again, checked by hash."""
    source = request.sources[index] if index < len(request.sources) else None
    if source is None or not source.sha256:
        return False
    return condition.jpeg_quality > floor if condition.matched else source.lossless


def _attribute_matched(request: AnalysisRequest, records: list[StoredAttribution], condition: Condition,
                       indices: list[int], cancel: CancelCheck | None, content_sha256: str | None,
                       stored: dict[str, MatchedRecord], down: bool) -> dict[int, str]:
    """Attribute the probes at `indices` in `condition` (brought down to it when `down`) into `records`;
    why each one that could not be is not (nothing is written for those)."""
    matched = matched_gallery(request.library, request.extractor, condition, request.naming_lr,
                              request.max_pixels, cancel, content_sha256)
    if not matched.usable:
        return {index: matched.problem for index in indices}
    problems: dict[int, str] = {}
    embeddings = request.embeddings[indices]
    if down:
        embeddings, problems = _brought_down(request, indices, condition.jpeg_quality, cancel)
        indices = [i for i in indices if i not in problems]
        if not indices:
            return problems
    fresh = attribute(embeddings, matched.names, matched.gallery, matched.policy, top=request.top)
    for row, (index, result) in enumerate(zip(indices, fresh)):
        fingerprint = tuple(float(v) for v in embeddings[row]) if down else ()
        records[index] = StoredAttribution.of(result, ComparedCondition(
            condition.key, _probe_words(request, index), matched=True, references=matched.describe(),
            fingerprint=fingerprint))
    stored[condition.key] = MatchedRecord(SavedGallery.of(matched.names, matched.gallery), matched.policy,
                                          matched.describe(), tuple(matched.left_out[:50]))
    return problems


def _probe_words(request: AnalysisRequest, index: int) -> str:
    """How the probe is stored, in the record's words."""
    condition = request.conditions[index]
    if condition.matched:
        return condition.describe()
    source = request.sources[index] if index < len(request.sources) else None
    return f"stored without loss ({source.format})" if source is not None and source.lossless else \
        "not a JPEG of known quality"


def _brought_down(request: AnalysisRequest, indices: list[int], quality: int, cancel: CancelCheck | None
                  ) -> tuple[np.ndarray, dict[int, str]]:
    """The probes at `indices` read again (checked by hash), re-encoded at `quality` and fingerprinted:
    (N', D) fingerprints of those that could be, and why not for the others."""

    files = [(request.sources[i].sha256, request.sources[i].path) for i in indices]
    outcomes = list(reencoded_fingerprints(request.extractor, files, quality, request.max_pixels, "intake", cancel))
    fingerprints, problems = [], {}
    for index in indices[len(outcomes):]:
        problems[index] = "cancelled before the image was brought to the references' condition"
    for index, outcome in zip(indices, outcomes):
        if outcome.error is not None:
            problems[index] = (f"the image could not be read again to bring it to JPEG quality {quality}: "
                               f"{describe_failure(outcome.error)}")
        else:
            fingerprints.append(outcome.embedding)
    dim = request.embeddings.shape[1]
    return (np.stack(fingerprints) if fingerprints else np.zeros((0, dim), np.float32)), problems



def record(case: Case, items: list[CaseItem], stage: AnalysisStage) -> None:
    """Write one finished stage into the case, with the policy it was decided by."""
    case.settings.decided_by(stage.policy)
    stage.record_in(case, items)
