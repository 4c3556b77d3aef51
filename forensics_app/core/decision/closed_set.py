"""The closed-set likelihood ratio: which enrolled generator, if it was one of them.

The open-set LR (see :mod:`~forensics_app.core.decision.attribution`) weighs "generator G made the
image" against "any other source made it", a camera or a generator the library does not
hold included; it is the conclusion.  An analyst often also asks the narrower question:
*if* the image came from one of the enrolled generators, do the findings support G
rather than the others?  That is answered here, from the margin by which G's similarity
exceeds the best of the other enrolled generators, with a calibration of its own fitted
on the library's references by leave-one-out: for each reference, its own generator's
margin is a same-source comparison and every other generator's margin a
different-source one.  It is bounded by the same empirical bounds as every LR here.

It never names a generator and is always shown beside the open-set LR, worded as the
conditional it is: a large closed-set LR for an image no enrolled generator made is
expected, and means nothing about its source.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from forensics_app.core.decision.likelihood import LRCalibration, fit_lr_calibration, format_lr, support_words
from forensics_app.core.vectors import leave_one_out_similarities, unit_references

#: The conditional every closed-set LR is read under.
CLOSED_SET_PREMISE = "if the image came from one of the enrolled generators"


def closed_set_margins(similarity: np.ndarray) -> np.ndarray:
    """(N, G) similarities -> (N, G): each generator's similarity minus the best of the others.

    NaN everywhere when fewer than two generators are enrolled (there is no other one).
    """
    similarity = np.atleast_2d(np.asarray(similarity, dtype=np.float64))
    if similarity.shape[1] < 2:
        return np.full(similarity.shape, np.nan)
    order = np.argsort(-similarity, axis=1, kind="stable")
    rows = np.arange(similarity.shape[0])
    best, second = similarity[rows, order[:, 0]], similarity[rows, order[:, 1]]
    others_best = np.repeat(best[:, None], similarity.shape[1], axis=1)
    others_best[rows, order[:, 0]] = second  # for the most similar generator, the best other is the second
    return similarity - others_best


def closed_set_comparisons(references: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(same-source, different-source) margins of the library's references, leave one out."""
    names, unit, means = unit_references(references)
    if len(names) < 2:
        return np.zeros(0), np.zeros(0)
    same, different = [], []
    for index, refs in enumerate(unit):
        if len(refs) < 2:
            continue
        similarity = refs @ means.T
        similarity[:, index] = leave_one_out_similarities(refs)  # its own mean without itself
        margins = closed_set_margins(similarity)
        same.append(margins[:, index])
        different.append(np.delete(margins, index, axis=1).ravel())
    flat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
    return flat(same), flat(different)


def fit_closed_set(references: Mapping[str, np.ndarray]) -> LRCalibration | None:
    """The closed-set calibration of a library; None when it enrols fewer than two generators."""
    if sum(1 for refs in references.values() if len(refs)) < 2:
        return None
    same, different = closed_set_comparisons(references)
    return fit_lr_calibration(same, different, f"{len(same)} same-source and {len(different)} different-source "
                                               "margins of the library's references over the other enrolled "
                                               "generators (leave one out)")


def closed_set_sentence(generator: str, lr: float, enrolled: int) -> str:
    """The closed-set LR in words that cannot be taken for the conclusion."""
    if lr >= 1.0:
        supported = f"{support_words(lr)} for {generator} rather than the other {enrolled - 1}"
    else:
        supported = f"{support_words(lr)} for one of the other {enrolled - 1} rather than {generator}"
    return (f"Closed set: {CLOSED_SET_PREMISE}, the findings give {supported} (LR {format_lr(lr)}). This assumes "
            "what the open-set LR tests; it says nothing on whether an enrolled generator made the image.")


def closed_set_brief(generator: str, lr: float, enrolled: int) -> str:
    """One short line for a table cell; the premise is stated in full once, beside the method."""
    against = f"{generator} against the other {enrolled - 1}"
    return f"Closed set (if one of the {enrolled} enrolled made it): LR {format_lr(lr)} for {against}"
