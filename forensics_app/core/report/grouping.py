"""The groups and the map the report shows: as stored in the case, or computed for the report.

A case saved before it was grouped or mapped still gets both in its report; what is
computed here goes into the report only, never back into the case's results.  Each
outcome comes with its :class:`Check`, so a grouping that could not be made is listed
with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics_app.core.analysis import MIN_MAP_IMAGES, cluster, tsne_map
from forensics_app.core.case import Case, CaseItem
from forensics_app.core.fingerprint.extractor import ModelCard
from forensics_app.core.report.checks import FAILED, NOT_RUN, RAN, Check


@dataclass
class Analysis:
    """The fingerprinted items with their clusters and map, stored or computed now."""

    items: list[CaseItem]
    embeddings: np.ndarray
    labels: np.ndarray | None
    cluster_check: Check
    coords: np.ndarray | None
    map_check: Check


def analyse(case: Case, card: ModelCard | None) -> Analysis:
    """Clusters and map as stored in the case, or computed now where the case has none."""
    items = [item for item in case.items if item.embedding is not None]
    embeddings = np.stack([item.embedding for item in items]) if items else np.zeros((0, 1), np.float32)
    labels, cluster_check = _clusters(items, embeddings, _threshold(case, card))
    coords, map_check = _map(case, items, embeddings)
    return Analysis(items, embeddings, labels, cluster_check, coords, map_check)


def _threshold(case: Case, card: ModelCard | None) -> float | None:
    """The open-set threshold the case was analysed with (the card's when none is stored)."""
    stored = case.settings.get("threshold")
    if stored is not None:
        return float(stored)
    return card.calibration.threshold if card is not None else None


def _clusters(items: list[CaseItem], embeddings: np.ndarray, threshold: float | None) -> tuple[np.ndarray | None, Check]:
    name = "Grouping by common source (clustering)"
    stored = [item.cluster for item in items]
    if items and all(label is not None for label in stored):
        labels = np.asarray(stored, dtype=int)
        return labels, Check(name, RAN, f"as stored in the case: {len(set(stored))} group(s) of {len(items)} images")
    if len(items) < 2:
        return None, Check(name, NOT_RUN, "fewer than two fingerprinted images")
    if threshold is None:
        return None, Check(name, NOT_RUN, "the case records no threshold to cut the groups at")
    try:
        labels = cluster(embeddings, threshold)
    except Exception as exc:  # listed as failed in the report, never hidden
        return None, Check(name, FAILED, f"{type(exc).__name__}: {exc}")
    return labels, Check(name, RAN, f"computed at export (average linkage on cosine distance, cut at similarity "
                                    f"{threshold:.3f}): {len(set(labels.tolist()))} group(s) of {len(items)} images")


def _map(case: Case, items: list[CaseItem], embeddings: np.ndarray) -> tuple[np.ndarray | None, Check]:
    name = "t-SNE map of the fingerprints"
    if case.map is not None and len(case.map) == len(items) and items:
        return np.asarray(case.map, dtype=np.float32), Check(name, RAN, f"as stored in the case ({len(items)} images)")
    if len(items) < MIN_MAP_IMAGES:
        return None, Check(name, NOT_RUN, f"needs at least {MIN_MAP_IMAGES} fingerprinted images; the case has {len(items)}")
    try:
        coords = tsne_map(embeddings)
    except Exception as exc:  # listed as failed in the report, never hidden
        return None, Check(name, FAILED, f"{type(exc).__name__}: {exc}")
    return coords, Check(name, RAN, f"computed at export (cosine distance, seed 0) for {len(items)} images")
