"""What every command prints: exit codes, progress on stderr, JSON or a table on stdout.

Kept apart from the commands so that every command module can use it without
importing the command line itself.
"""

from __future__ import annotations

import math
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool whose reader closed the pipe


class CommandError(Exception):
    """A failure the user can act on; printed without a traceback."""


class Progress:
    """A one-line progress bar with rate and remaining time on stderr (silent off a terminal)."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        if total:
            filled = int(30 * done / total)
            remaining = (total - done) / rate if rate > 0 else 0.0
            line = f"{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {rate:.1f}/s, {remaining:.0f} s left"
        else:
            line = f"{self.label} {done} done, {rate:.1f}/s"
        print(f"\r{line}", end="" if done != total else "\n", file=sys.stderr, flush=True)


def emit(args: argparse.Namespace, data, table: str) -> None:
    if args.json:
        data = without_nan(data)
        json.dump(data, sys.stdout, indent=2, default=_json_default)
        sys.stdout.write("\n")
    else:
        print(table)


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def report_rejections(results) -> int:
    """List every rejected file and every entry a folder scan left out; exit 1 for rejections."""
    from forensics_app.core.display_text import one_line

    rejected = [r for r in results if not r.ok and not getattr(r, "skipped", False)]
    skipped = [r for r in results if getattr(r, "skipped", False)]
    if skipped:
        print(f"{len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} in the folders not analysed:", file=sys.stderr)
        for r in skipped:
            print(f"  {one_line(r.path)}: {one_line(r.error)}", file=sys.stderr)
    if rejected:
        print(f"{len(rejected)} file(s) rejected:", file=sys.stderr)
        for r in rejected:
            print(f"  {one_line(r.path)}: {one_line(r.error)}", file=sys.stderr)
    return EXIT_REJECTED if rejected else EXIT_OK


def format_table(headers: list[str], rows: list[list]) -> str:
    """Aligned columns; every cell on one line, control characters shown as escapes."""
    from forensics_app.core.display_text import one_line

    cells = [[one_line(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def without_nan(value):
    """JSON has no NaN: figures that could not be computed are null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(v) for v in value]
    return value
