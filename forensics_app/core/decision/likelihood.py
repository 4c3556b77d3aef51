"""Likelihood ratios calibrated on real comparisons, and the words they may be given.

A cosine similarity means nothing to a court; a likelihood ratio does: how much more
probable the observed score is if the image was made by the candidate generator (H1)
than if it came from any other source (H2: another enrolled generator, one never
enrolled, a camera).  The map from score to LR is fitted on real comparisons whose truth
is known (the library's own references and a background population of other sources
shipped with the extractor) by logistic regression with both hypotheses weighted equally
(`lir`'s LogitCalibrator, the Netherlands Forensic Institute's LR library), and then
bounded by the empirical lower and upper bounds (ELUB, Vergeer et al., Science & Justice
56, 2016): no LR leaves the range that so many comparisons can support, however far the
logistic curve would extrapolate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

# Below this many comparisons of either kind a fitted curve says more about chance than
# about the fingerprint; the LR is then 1 (no support either way) and the reason is given.
MIN_COMPARISONS = 5


@dataclass(frozen=True)
class LRCalibration:
    """log10 LR = slope * score + intercept, clipped to [lower, upper] (ELUB, log10)."""

    slope: float
    intercept: float
    lower: float
    upper: float
    same_source: int  # comparisons of known common source it was fitted on
    different_source: int
    source: str  # where those comparisons came from, in plain words

    @classmethod
    def uninformative(cls, reason: str, same_source: int = 0, different_source: int = 0) -> "LRCalibration":
        """LR = 1 for every score: what a system may say when it cannot measure itself."""
        return cls(0.0, 0.0, 0.0, 0.0, same_source, different_source, reason)

    @property
    def informative(self) -> bool:
        return self.upper > 0.0 or self.lower < 0.0

    def log10_lr(self, score: np.ndarray | float) -> np.ndarray:
        values = self.slope * np.asarray(score, dtype=np.float64) + self.intercept
        return np.clip(np.nan_to_num(values, nan=0.0), self.lower, self.upper)

    def lr(self, score: np.ndarray | float) -> np.ndarray:
        return np.power(10.0, self.log10_lr(score))

    def score_at(self, lr: float) -> float | None:
        """The smallest score whose LR reaches `lr`; None when the bounds never allow it."""
        level = math.log10(lr)
        if self.slope <= 0.0 or level > self.upper or level < self.lower:
            return None
        return float((level - self.intercept) / self.slope)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "LRCalibration":
        values = {key: data[key] for key in ("slope", "intercept", "lower", "upper", "same_source",
                                             "different_source", "source")}
        numbers = [float(values[k]) for k in ("slope", "intercept", "lower", "upper")]
        if not all(math.isfinite(v) for v in numbers) or numbers[2] > 0.0 or numbers[3] < 0.0:
            raise ValueError(f"not a valid likelihood-ratio calibration: {numbers}")
        return cls(*numbers, int(values["same_source"]), int(values["different_source"]), str(values["source"]))


def fit_lr_calibration(same: np.ndarray, different: np.ndarray, source: str) -> LRCalibration:
    """Fit score -> LR on comparisons of known same and different source, then bound it."""
    from lir.algorithms.logistic_regression import LogitCalibrator

    same = np.asarray(same, dtype=np.float64).ravel()
    different = np.asarray(different, dtype=np.float64).ravel()
    same, different = same[np.isfinite(same)], different[np.isfinite(different)]
    if same.size < MIN_COMPARISONS or different.size < MIN_COMPARISONS:
        return LRCalibration.uninformative(
            f"{source}: too few comparisons to calibrate ({same.size} same-source, {different.size} different-source; "
            f"at least {MIN_COMPARISONS} of each are needed), so every likelihood ratio is 1",
            same.size, different.size)
    scores = np.concatenate([same, different])
    labels = np.concatenate([np.ones(same.size), np.zeros(different.size)]).astype(int)
    calibrator = LogitCalibrator(C=1e4).fit(scores, labels)
    slope = float(calibrator._logit.coef_[0, 0]) / math.log(10.0)
    intercept = float(calibrator._logit.intercept_[0]) / math.log(10.0)
    if slope <= 0.0:
        return LRCalibration.uninformative(
            f"{source}: higher scores are not more frequent for a common source in these comparisons, "
            "so every likelihood ratio is 1", same.size, different.size)
    llrs = slope * scores + intercept
    lower, upper = empirical_bounds(llrs, labels)
    return LRCalibration(slope, intercept, float(lower), float(upper), int(same.size), int(different.size), source)


def empirical_bounds(llrs: np.ndarray, labels: np.ndarray, add_misleading: int = 1, step_size: float = 0.01,
                     extremes: tuple[float, float] = (-9.0, 9.0)) -> tuple[float, float]:
    """Empirical lower and upper bounds on log10 LRs (ELUB; Vergeer et al., Forensic Sci. Int. 2016).

    The same computation as ``lir.algorithms.bayeserror.elub``, value for value (a test
    holds the two equal), in memory linear in the comparisons: lir builds a matrix of every
    comparison against every threshold (80,000 pair comparisons x 500 thresholds took
    0.9 GB), where counting the LRs above each threshold in the sorted LRs suffices.
    """
    llrs = np.clip(np.asarray(llrs, dtype=np.float64), extremes[0], extremes[1])
    labels = np.asarray(labels).astype(bool)
    same_count, different_count = int(labels.sum()), int((~labels).sum())
    low = max(float(llrs.min()), -math.log10(same_count + 1))
    high = min(float(llrs.max()), math.log10(different_count + 1))
    steps_low = min(0, int(np.floor_divide(low, step_size)))
    steps_high = max(0, int(np.floor_divide(high, step_size)) + 1)
    thresholds = np.linspace(steps_low * step_size, steps_high * step_size, steps_high - steps_low + 1)
    threshold_lrs = 10 ** thresholds
    lrs = 10 ** llrs

    def accepted(values: np.ndarray) -> np.ndarray:  # how many LRs exceed each threshold
        return len(values) - np.searchsorted(np.sort(values), threshold_lrs, side="right")

    neutral = (1.0 > threshold_lrs).astype(np.float64)
    eu_neutral = 1 - neutral + threshold_lrs * neutral
    accept_same = accepted(lrs[labels]) / (same_count + add_misleading)
    accept_different = (accepted(lrs[~labels]) + add_misleading) / (different_count + add_misleading)
    eu_ratio = eu_neutral / (1 - accept_same + threshold_lrs * accept_different)
    lower = np.max(thresholds[(thresholds <= 0) & (eu_ratio < 1)] + step_size, initial=np.min(thresholds))
    upper = np.min(thresholds[(thresholds >= 0) & (eu_ratio < 1)] - step_size, initial=np.max(thresholds))
    return min(float(lower), 0.0), max(float(upper), 0.0)


# --- evaluative wording -------------------------------------------------------------------

# ENFSI Guideline for Evaluative Reporting in Forensic Science (2015): verbal equivalents
# of likelihood-ratio bands; the same bands below 1 support the alternative.
BANDS: tuple[tuple[float, str], ...] = (
    (1.0, "no support for either proposition"),
    (10.0, "weak support"),
    (100.0, "moderate support"),
    (1_000.0, "moderately strong support"),
    (10_000.0, "strong support"),
    (1_000_000.0, "very strong support"),
    (math.inf, "extremely strong support"),
)


def support_words(lr: float) -> str:
    """'weak support', 'moderate support', ... for LR >= 1; LR < 1 uses 1/LR's band."""
    strength = lr if lr >= 1.0 else 1.0 / max(lr, 1e-300)
    if abs(math.log10(max(strength, 1e-300))) < 1e-9:
        return BANDS[0][1]
    for upper, words in BANDS[1:]:
        if strength < upper:
            return words
    return BANDS[-1][1]


def support_sentence(lr: float, proposition: str, alternative: str) -> str:
    """The ENFSI form: 'The findings provide <words> for <proposition> rather than <alternative>'."""
    if abs(math.log10(max(lr, 1e-300))) < 1e-9:
        return f"The findings provide no support for either proposition ({proposition}; {alternative})."
    if lr > 1.0:
        return f"The findings provide {support_words(lr)} for the proposition that {proposition}, rather than that {alternative}."
    return f"The findings provide {support_words(lr)} for the proposition that {alternative}, rather than that {proposition}."


def readable_lr(value: object) -> float | None:
    """A stored likelihood ratio (or naming level) as a number: None where none was stored or
    the value is not a finite positive number (a case's re-check says which)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0.0 else None


def format_lr(lr: float) -> str:
    """LR in a form an analyst reads aloud: '1/40' well below 1, whole numbers above 10.

    Near 1 a fraction would print as '1/1.0'; there two decimals say more.
    """
    if lr >= 10.0:
        return f"{lr:,.0f}"
    if lr >= 1.0:
        return f"{lr:.1f}"
    if lr >= 0.5:
        return f"{lr:.2f}"
    return f"1/{1.0 / lr:,.0f}" if lr <= 0.1 else f"1/{1.0 / lr:.1f}"
