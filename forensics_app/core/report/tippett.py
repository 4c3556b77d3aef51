"""The Tippett plot of the library in use: how the likelihood ratios of comparisons of known
source are spread, same source against different source.

The policy stored in a case keeps its calibration, not the comparisons it was fitted on,
so the report cannot recover them; whoever holds the library and the background
population computes them (:func:`library_comparisons`) and passes them to the report.
Without them the report says the plot was not provided.  The figure is drawn with
matplotlib's object API and tells its curves apart by line style, so it reads in print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from forensics_app.core.decision.attribution import DecisionPolicy, attribution_comparisons
from forensics_app.core.background import Background
from forensics_app.core.report.errors import ReportError
from forensics_app.core.report.figures import png_bytes


@dataclass(frozen=True)
class TippettFigure:
    """The drawn plot (None when there is none, `problem` says why) and what it shows."""

    png: bytes | None
    same_source: int = 0
    different_source: int = 0
    dropped: int = 0  # comparisons left out because their LR was not a finite number
    misleading_same: float | None = None  # same-source comparisons with LR < 1
    misleading_different: float | None = None  # different-source comparisons with LR > 1
    problem: str = ""


def library_comparisons(references: Mapping[str, np.ndarray], background: Background | None,
                        policy: DecisionPolicy) -> tuple[np.ndarray, np.ndarray]:
    """log10 LRs of the library's comparisons of known source, under the case's policy.

    Same source: each reference against its generator's other references; different
    source: each reference against every other generator, and every background image
    against every generator.  These are the comparisons the policy's attribution LRs are
    calibrated on when `references` is the library the case was attributed with.
    """
    same, different = attribution_comparisons(references, background)
    return policy.attribution.log10_lr(same), policy.attribution.log10_lr(different)


def _as_values(values: object, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ReportError(f"the {name} log10 likelihood ratios given for the Tippett plot are not numbers ({exc})") from exc


def prepare_tippett(tippett: Sequence[np.ndarray] | None, naming_lr: float | None) -> TippettFigure:
    """Check the comparisons given and draw their Tippett plot, or say why it is not drawn."""
    if tippett is None:
        return TippettFigure(None, problem="not provided with this report (no comparisons of known source were given)")
    if len(tippett) != 2:
        raise ReportError("the Tippett plot needs two arrays: the log10 likelihood ratios of same-source and of "
                          "different-source comparisons")
    same, different = _as_values(tippett[0], "same-source"), _as_values(tippett[1], "different-source")
    dropped = int((~np.isfinite(same)).sum() + (~np.isfinite(different)).sum())
    same, different = same[np.isfinite(same)], different[np.isfinite(different)]
    if not same.size and not different.size:
        return TippettFigure(None, dropped=dropped, problem="not drawn: the comparisons provided were empty")
    misleading_same = float((same < 0).mean()) if same.size else None
    misleading_different = float((different > 0).mean()) if different.size else None
    return TippettFigure(tippett_png(same, different, naming_lr), int(same.size), int(different.size), dropped,
                         misleading_same, misleading_different)


def _larger(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Proportion of `values` strictly greater than each point of `grid`."""
    ordered = np.sort(values)
    return (ordered.size - np.searchsorted(ordered, grid, side="right")) / ordered.size


def tippett_png(same: np.ndarray, different: np.ndarray, naming_lr: float | None) -> bytes:
    """Same source solid black, different source dashed grey, the naming level dotted."""
    from matplotlib.figure import Figure

    values = np.concatenate([same, different])
    low, high = float(values.min()), float(values.max())
    if naming_lr is not None:
        low, high = min(low, np.log10(naming_lr)), max(high, np.log10(naming_lr))
    span = max(high - low, 1.0)
    grid = np.linspace(low - 0.1 * span, high + 0.1 * span, 600)
    figure = Figure(figsize=(4.6, 3.1), dpi=150, layout="constrained")
    axes = figure.subplots()
    if same.size:
        axes.step(grid, _larger(same, grid), where="post", color="black", linestyle="-", linewidth=1.5,
                  label=f"same source ({same.size:,})")
    if different.size:
        axes.step(grid, _larger(different, grid), where="post", color="#666666", linestyle="--", linewidth=1.5,
                  label=f"different source ({different.size:,})")
    axes.axvline(0.0, color="#999999", linestyle="-.", linewidth=0.8, label="LR = 1")
    if naming_lr is not None:
        axes.axvline(np.log10(naming_lr), color="black", linestyle=":", linewidth=1.2,
                     label=f"naming level (LR = {naming_lr:g})")
    axes.set_xlabel("log10 likelihood ratio", fontsize=8)
    axes.set_ylabel("proportion of comparisons with a larger LR", fontsize=8)
    axes.set_ylim(-0.02, 1.02)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, frameon=False, loc="best")
    return png_bytes(figure)
