"""The two callbacks every long-running core and workflow function accepts.

Declared once so that the extractor, the library, the report and the front-ends all
agree on them: a front-end hands the same pair to whichever job it starts.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(done, total)``: ``total`` is ``None`` while the amount of work is not yet known.
ProgressCallback = Callable[[int, int | None], None]
#: ``cancel()``: polled between steps; ``True`` asks the job to stop and leave things as they were.
CancelCheck = Callable[[], bool]

__all__ = ["CancelCheck", "ProgressCallback"]
