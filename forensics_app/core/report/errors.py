"""The errors writing a report can raise; every step that can stop the report raises these."""

from __future__ import annotations


class ReportError(Exception):
    """The report cannot be written; the message says why and what to do."""


class ReportCancelled(ReportError):
    """The caller's cancel check turned true; nothing was written."""
