"""What one analysis session records and asks for, the same from the window and the commands.

Both front-ends take files in, then analyse; before this module each assembled the request
and wrote the case's settings in its own way, so a case made by `attribute --case`
recorded the pixel limit and not the map's perplexity, and one made in the window the
reverse.  Now both build a :class:`SessionSettings`, record it in the case, and ask for
the analysis through :func:`analysis_request`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forensics_app.core.case import Case, CaseItem
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.workflows.analyse import STAGES, AnalysisRequest, conditions_of


@dataclass(frozen=True)
class SessionSettings:
    """The settings a case's results depend on, besides the policy (which `record` writes)."""

    crops: int
    device: str
    max_pixels: int = DEFAULT_MAX_PIXELS
    perplexity: float = 30.0
    naming_lr: float | None = None  # None: the program's default level

    def record_in(self, case: Case) -> None:
        settings = case.settings
        settings.crops, settings.device, settings.max_pixels, settings.perplexity = (
            self.crops, self.device, self.max_pixels, self.perplexity)


def session_settings(extractor: Extractor, max_pixels: int = DEFAULT_MAX_PIXELS, perplexity: float = 30.0,
                     naming_lr: float | None = None) -> SessionSettings:
    return SessionSettings(extractor.card.preprocess.crops_per_image, str(extractor.device), max_pixels,
                           perplexity, naming_lr)


def analysis_request(items: Sequence[CaseItem], extractor: Extractor, library: Library | None,
                     settings: SessionSettings, stages: tuple[str, ...] = STAGES,
                     top: int | None = None) -> AnalysisRequest:
    """The analysis of the fingerprinted `items`, with each one's storage condition."""
    embeddings = (np.stack([item.embedding for item in items]) if items
                  else np.zeros((0, extractor.embedding_dim), np.float32))
    return AnalysisRequest(embeddings, extractor, library, settings.naming_lr, tuple(stages), settings.perplexity,
                           top=top, conditions=conditions_of(items), max_pixels=settings.max_pixels)
