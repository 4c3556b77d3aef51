"""Workflow calls as the worker's jobs: `(progress, cancel) -> workflow(...)`.

The analyst's operations live once in `forensics_app.workflows`; the window only hands
them the worker's progress and cancel callbacks, so a job here adds no logic of its own
that the command line would lack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forensics_app.gui.workers import JobFn


def workflow_job(workflow: Callable[..., Any], *args: Any, **kwargs: Any) -> JobFn:
    """`workflow(*args, progress=, cancel=, **kwargs)` as a job; a generator workflow's
    values reach the window one by one as the worker's `partial`."""
    return lambda progress, cancel: workflow(*args, progress=progress, cancel=cancel, **kwargs)


def call_job(function: Callable[..., Any], *args: Any, **kwargs: Any) -> JobFn:
    """A quick call (a library write, an export) run like any other job, off the GUI thread:
    a library locked by another program would otherwise freeze the window for its timeout."""
    return lambda progress, cancel: function(*args, **kwargs)
