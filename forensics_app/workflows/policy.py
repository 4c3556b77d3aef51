"""The one decision policy, computed in one place for every command, view and report.

The policy depends on the extractor (its background population), the library (its
references) and the analyst's naming level, and on nothing else; whoever needs a
decision asks here, so the table, the map, `attribute`, `verify`, `cluster` and the
report cannot apply different rules to one case.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from forensics_app.core.background import Background
from forensics_app.core.decision.attribution import DecisionPolicy, build_policy
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library


def policy_for(extractor: Extractor, library: Library | None = None, naming_lr: float | None = None,
               references: Mapping[str, np.ndarray] | None = None, jpeg_quality: int | None = None) -> DecisionPolicy:
    """Calibrated on the library's references (or `references`) and the shipped background.

    `jpeg_quality`: the matched condition the references were brought to; the background
    is then taken in that condition too, or as stored where the shipped population was
    not re-encoded at it (`background_in_condition` says which).
    """
    if references is None:
        references = library.reference_sets() if library is not None else {}
    return build_policy(references, background_in_condition(extractor, jpeg_quality), naming_lr)


def background_in_condition(extractor: Extractor, jpeg_quality: int | None) -> Background | None:
    """The shipped population re-encoded at `jpeg_quality` where it was, else as stored."""
    background = extractor.background()
    if background is None or jpeg_quality is None:
        return background
    found = background.in_condition(jpeg_quality)
    return found if found is not None else background


def background_fingerprinted_at(extractor: Extractor, jpeg_quality: int) -> bool:
    """Whether the shipped population was re-encoded at `jpeg_quality`: a calibration there is matched on both sides."""
    background = background_in_condition(extractor, jpeg_quality)
    return background is not None and background.jpeg_quality == jpeg_quality
