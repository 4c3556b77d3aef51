"""What the fingerprints support: likelihood ratios, the decision policy, groups, the map.

Every command, view and report decides by one :class:`DecisionPolicy`: similarities become
calibrated, bounded likelihood ratios (``likelihood``), a generator is named only at the
policy's naming level (``attribution``), two images are one source by the same rule
(``grouping``), a JPEG probe is compared with references in its own condition
(``conditions``), and the closed-set LR answers the narrower question of which enrolled
generator, if it was one of them (``closed_set``).  The map (``map``) shows neighbourhoods
and decides nothing.  Qt-free; validation measures these modules and is never imported
by them.
"""

from forensics_app.core.decision.attribution import (
    DEFAULT_NAMING_LR,
    NAMING_LEVELS,
    UNKNOWN,
    UNKNOWN_TEXT,
    Attribution,
    DecisionPolicy,
    Match,
    Verification,
    attribute,
    build_policy,
    similarity_matrix,
    verify,
)
from forensics_app.core.decision.closed_set import CLOSED_SET_PREMISE, closed_set_brief, closed_set_sentence
from forensics_app.core.decision.conditions import ComparedCondition, Condition, condition_of, jpeg_round_trip
from forensics_app.core.decision.grouping import cluster, groups_at
from forensics_app.core.decision.likelihood import LRCalibration, fit_lr_calibration, format_lr, support_words
from forensics_app.core.decision.map import MIN_MAP_IMAGES, TooFewImagesError, tsne_map

__all__ = [
    "CLOSED_SET_PREMISE", "DEFAULT_NAMING_LR", "MIN_MAP_IMAGES", "NAMING_LEVELS", "UNKNOWN", "UNKNOWN_TEXT",
    "Attribution", "ComparedCondition", "Condition", "DecisionPolicy", "LRCalibration", "Match", "TooFewImagesError", "Verification",
    "attribute", "build_policy", "closed_set_brief", "closed_set_sentence", "cluster",
    "condition_of", "fit_lr_calibration", "format_lr", "groups_at", "jpeg_round_trip", "similarity_matrix",
    "support_words", "tsne_map", "verify",
]
