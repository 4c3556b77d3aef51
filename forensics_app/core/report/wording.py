"""The fixed words of the report's conclusions: the verbal scale, the propositions, the limitations.

Every strength of support the report prints comes from one likelihood ratio through the
ENFSI bands of :mod:`forensics_app.core.decision.likelihood`, so the report can never use
stronger words than the number behind them, and the window, the command line and the
report share one scale.  Nothing here computes a result; the strings are ReportLab
paragraph markup written by hand, and every value put into them is escaped first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.decision.likelihood import BANDS, support_words

#: The alternative every conclusion weighs the first-ranked generator against.
ANOTHER_SOURCE = "another source (another generator, one not enrolled, or a camera)"


@dataclass(frozen=True)
class SupportLevel:
    """One band of the ENFSI scale: likelihood ratios in [lower, upper) earn these words."""

    lower: float
    upper: float
    words: str


def _scale() -> tuple[SupportLevel, ...]:
    levels = [SupportLevel(1.0, 1.0, BANDS[0][1])]
    lower = 1.0
    for upper, words in BANDS[1:]:
        levels.append(SupportLevel(lower, upper, words))
        lower = upper
    return tuple(levels)


#: The ENFSI (2015) verbal scale as the report prints it, one row per band of the LR.
VERBAL_SCALE: tuple[SupportLevel, ...] = _scale()


def verbal_support(lr: float) -> str:
    """The ENFSI words for a likelihood ratio (below 1, those of 1/LR for the alternative)."""
    if math.isnan(lr):
        return BANDS[0][1]
    return support_words(lr)


def band_text(level: SupportLevel) -> str:
    """'1', 'above 1, below 10', '10 to below 100', ..., '1,000,000 or more': one band of the scale."""
    if level.lower == level.upper:
        return "1"
    if math.isinf(level.upper):
        return f"{level.lower:,.0f} or more"
    start = "above 1" if level.lower == 1.0 else f"{level.lower:,.0f} to"
    return f"{start}{',' if level.lower == 1.0 else ''} below {level.upper:,.0f}"


def lr_words(lr: float) -> str:
    """'moderate support' or 'weak support for another source': the words of one LR."""
    words = verbal_support(lr)
    return words + (" for another source" if lr < 1.0 and words != BANDS[0][1] else "")


#: The two propositions every conclusion weighs.  A conclusion is support for one against
#: the other, never a verdict on the source.
PROPOSITIONS = (
    "For each image, with G the enrolled generator ranked first for it, two propositions are weighed: "
    "<b>H1</b>, the image was made by G; <b>H2</b>, it was made by " + escape(ANOTHER_SOURCE) + ". The likelihood "
    "ratio (LR) says how much more probable the observed similarity is under H1 than under H2, and is put into the "
    "words of the ENFSI scale (section 2); an LR below 1 supports H2. It is not a probability that H1 is true, "
    "which depends on the other evidence in the case as well. A generator is <b>named</b> only where its LR reaches "
    "the naming level of the decision policy; otherwise the decision is \u201c" + UNKNOWN_TEXT + "\u201d, and the "
    "generator ranked first is only the first of a ranking."
)

#: What precedes the exhibits' conclusions: how each sentence is to be read.
STATEMENT_FORM = (
    "Each attributed exhibit's conclusion follows, in the ENFSI form, with G the generator ranked first for it and "
    "the words those of its LR; where the LR is below 1 the words support the proposition that another source made "
    "it. A generator is named only where its LR reaches the naming level."
)

#: Said where the case records no decision policy, instead of guessing one.
NO_POLICY = (
    "This case records no decision policy: it was analysed before the program stored the policy with each case, "
    "or the policy it stored cannot be read. The rule by which generators were named and images grouped is "
    "therefore not stated here; the decisions below are reported as they were recorded."
)

#: The limitations of the method that hold for every case; the report adds those the
#: case's own data brings.
STANDING_LIMITATIONS: tuple[str, ...] = (
    "<b>Recompression</b>: JPEG or other lossy re-encoding (by a messenger, a platform or an editor) weakens the "
    "high-frequency traces the fingerprint rests on, and lowers similarities.",
    "<b>Resizing and cropping</b>: resampling overwrites the periodic traces of a generator's upsampling; a "
    "resized image may match no generator, or the wrong one.",
    "<b>Screenshots and re-photography</b>: an image captured from a screen carries the traces of the display and "
    "the capture, not only those of the generator.",
    "<b>Generators not enrolled</b>: the library cannot hold every model in existence. An image of a model not "
    "enrolled either gets the decision \u201c" + UNKNOWN_TEXT + "\u201d or resembles the most similar enrolled model; "
    "fine-tunes "
    "of one base model may be hard to tell apart. Section 3 gives how often this happened in validation.",
    "<b>Few references</b>: a generator enrolled from few reference images is represented less reliably, and the "
    "likelihood ratios rest on fewer comparisons.",
    "<b>Synthetic training</b>: the extractor was trained on synthetic generative models only. Its likelihood "
    "ratios are calibrated on the comparisons the decision policy names (section 2); its error rates on real "
    "generators are only those measured in section 3.",
)
