"""The groups and the map the report shows: exactly those the analysis stored in the case.

Groups are decided by the one decision policy when the case is analysed (two images are
called one source where the calibrated LR of their pair reaches the naming level), and
each item keeps its group label.  The report shows those labels and never groups the
images again with a rule of its own, so its groups are the analyst's groups.  Likewise
the t-SNE map is drawn only when the case holds one; the report does not compute a map,
and says so, so that every figure shows what the analysis recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics_app.core.decision.map import MIN_MAP_IMAGES
from forensics_app.core.case import Case, CaseItem
from forensics_app.core.report.checks import NOT_RUN, RAN, Check

#: The label of a fingerprinted image that has no stored group (taken in after grouping).
UNGROUPED = -1


@dataclass
class Analysis:
    """The fingerprinted items with their stored group labels and stored map."""

    items: list[CaseItem]
    embeddings: np.ndarray
    labels: np.ndarray | None  # one per item, UNGROUPED where none is stored; None when none is
    cluster_check: Check
    coords: np.ndarray | None
    map_check: Check

    @property
    def groups(self) -> list[int]:
        """The distinct stored group labels, in order."""
        if self.labels is None:
            return []
        return sorted({int(label) for label in self.labels.tolist() if label != UNGROUPED})

    @property
    def ungrouped(self) -> list[CaseItem]:
        if self.labels is None:
            return list(self.items)
        return [item for item, label in zip(self.items, self.labels.tolist()) if label == UNGROUPED]


def analyse(case: Case) -> Analysis:
    """The fingerprinted items with the groups and the map stored in the case."""
    items = [item for item in case.items if item.embedding is not None]
    embeddings = np.stack([item.embedding for item in items]) if items else np.zeros((0, 1), np.float32)
    labels, cluster_check = _stored_groups(items)
    coords, map_check = _stored_map(case, items)
    return Analysis(items, embeddings, labels, cluster_check, coords, map_check)


def _stored_groups(items: list[CaseItem]) -> tuple[np.ndarray | None, Check]:
    name = "Grouping by common source (clustering)"
    if not items:
        return None, Check(name, NOT_RUN, "no fingerprinted image")
    stored = [item.cluster for item in items]
    grouped = [label for label in stored if label is not None]
    if not grouped:
        return None, Check(name, NOT_RUN, "the case holds no groups (the grouping stage was not run, or was "
                                          "cancelled); the report does not group the images itself")
    labels = np.asarray([UNGROUPED if label is None else int(label) for label in stored], dtype=int)
    detail = f"as decided by the analysis under the decision policy: {len(set(grouped))} group(s) of {len(grouped)} image(s)"
    if len(grouped) < len(items):
        detail += (f"; {len(items) - len(grouped)} image(s) were taken in after grouping and belong to no group "
                   "(analyse the case again to group them)")
    return labels, Check(name, RAN, detail)


def _stored_map(case: Case, items: list[CaseItem]) -> tuple[np.ndarray | None, Check]:
    name = "t-SNE map of the fingerprints"
    if case.map is not None and items and len(case.map) == len(items):
        return np.asarray(case.map, dtype=np.float32), Check(name, RAN, f"as stored in the case ({len(items)} images)")
    if case.map is not None and items:
        return None, Check(name, NOT_RUN, f"the stored map has {len(case.map)} point(s) for {len(items)} fingerprinted "
                                          "images, so it is not drawn; analyse the case again to map them all")
    if len(items) < MIN_MAP_IMAGES:
        return None, Check(name, NOT_RUN, f"needs at least {MIN_MAP_IMAGES} fingerprinted images; the case has {len(items)}")
    return None, Check(name, NOT_RUN, "the case holds no map (the map stage was not run, or was cancelled); the report "
                                      "does not compute one")
