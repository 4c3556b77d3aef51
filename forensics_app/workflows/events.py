"""Events a Qt-free model emits and its views watch (napari's model and view, without Qt).

The session model lives below the GUI, so it cannot emit Qt signals; an :class:`Event`
is the same idea in a few lines: callbacks connected in order, each called with the
event's arguments when it is emitted, on the thread that emits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Event:
    """Callbacks called in the order they were connected, each with the emitted arguments."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)
